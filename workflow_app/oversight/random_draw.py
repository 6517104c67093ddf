"""The random draw of 双随机 (random targets, random inspectors), reproducible by anyone.

Given the seed and the inputs (the population's credit codes, the certified officers' usernames),
each entity is ranked by SHA-256 of `seed:target:<credit code>` and the N lowest are the targets;
for each target, each officer is ranked by SHA-256 of `seed:inspector:<credit code>:<username>` and
the K lowest inspect it. Why hashing rather than a seeded PRNG shuffle: the result depends only on
the seed and the *set* of inputs (not their order, nor a library's generator, which Python may
change between versions), and an auditor can redo it with any SHA-256 tool and a spreadsheet.
The seed is drawn by the server (secrets, 128 bits) at the moment of the draw, so nobody picks the
targets by choosing it; it goes on the trail with the inputs' digest before anyone sees the result.

Pure functions: services/inspections/draws.py supplies the inputs and records the result.
"""
import hashlib


def rank(seed: str, *parts: str) -> str:
    return hashlib.sha256(":".join((seed, *parts)).encode("utf-8")).hexdigest()


def targets(seed: str, population: list[str], count: int) -> list[str]:
    """The `count` credit codes of `population` ranked lowest (all of them if fewer)."""
    return sorted(set(population), key=lambda code: (rank(seed, "target", code), code))[:count]


def inspectors(seed: str, target: str, officers: list[str], count: int) -> list[str]:
    """The `count` officers ranked lowest for that target."""
    return sorted(set(officers), key=lambda name: (rank(seed, "inspector", target, name), name))[:count]


def draw(seed: str, population: list[str], officers: list[str], count: int, per_target: int) -> list[dict]:
    """[{credit_code, inspectors}] in the order drawn."""
    return [{"credit_code": code, "inspectors": inspectors(seed, code, officers, per_target)}
            for code in targets(seed, population, count)]
