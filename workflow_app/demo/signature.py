"""A signature as a phone's canvas gives it (a PNG of dark strokes on a transparent ground), drawn
by code for the demo cases of the summary procedure: each party's own squiggle."""
import math
import random
import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_rgba(width: int, height: int, pixels: bytearray) -> bytes:
    """A PNG of 8-bit RGBA `pixels` (rows top to bottom, 4 bytes each), unfiltered."""
    stride = width * 4
    raw = b"".join(b"\x00" + bytes(pixels[y * stride:(y + 1) * stride]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def drawn_signature(seed: int, width: int = 480, height: int = 160) -> bytes:
    """A stroke across the box: a few loops of a pen, different for each seed."""
    rng = random.Random(seed)
    pixels = bytearray(width * height * 4)
    loops, wobble = rng.uniform(2.5, 5.0), rng.uniform(0.15, 0.35)
    steps = width * 4
    for i in range(steps):
        t = i / steps
        x = 20 + t * (width - 40) + math.sin(t * loops * 2 * math.pi) * 14
        y = height / 2 + math.sin(t * loops * math.pi * 2 + 1) * height * wobble + math.cos(t * 9) * 8
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                px, py = int(x) + dx, int(y) + dy
                if 0 <= px < width and 0 <= py < height:
                    at = (py * width + px) * 4
                    pixels[at:at + 4] = b"\x11\x11\x11\xff"
    return png_rgba(width, height, pixels)
