"""The demo's evidence: what an officer collects at the clue of a general-procedure case, a photo of
the scene and the scanned 现场笔录, made here (Pillow) so that each case's files are its own."""
import io
from datetime import date

from PIL import Image, ImageDraw

from ..models import Case, User
from ..services.evidence import items as evidence


def site_photo(label: str, shade: int) -> bytes:
    image = Image.new("RGB", (1024, 768), (210 + shade % 40, 205, 190))
    draw = ImageDraw.Draw(image)
    for n in range(6):  # shelves
        draw.rectangle((80, 90 + n * 110, 944, 110 + n * 110), fill=(120, 90, 60))
    draw.rectangle((300, 250, 520, 420), outline=(200, 20, 20), width=8)  # the goods in question
    draw.text((40, 720), label, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def scanned_record(label: str) -> bytes:
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi, as a scanner gives it
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 100, 1140, 1654), outline=0, width=3)
    for n in range(28):
        draw.line((160, 260 + n * 48, 1080, 260 + n * 48), fill=170, width=2)
    draw.text((160, 150), label, fill=0)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


def collect(case: Case, officer: User, received: date, step_id: int | None, n: int,
            photo: tuple[str, str] = ("现场货架照片", "涉案商品的陈列位置和状态")) -> int:
    """Two items on the case's list, collected on the day the clue came in: the scene's photo and
    the signed on-site record, scanned. Returns how many were added."""
    label = f"{case.number} / {received.isoformat()}"
    items = (
        (site_photo(label, n), "现场照片.jpg", evidence.Description(
            title=photo[0], kind="audiovisual", source="执法人员现场拍摄", proves=photo[1],
            collected_on=received, task_id=step_id)),
        (scanned_record(label), "现场笔录.pdf", evidence.Description(
            title="现场笔录（当事人签字）", kind="inspection_record", source="现场检查", proves="现场检查的过程和发现的事实",
            collected_on=received, task_id=step_id)),
    )
    added = 0
    for content, name, description in items:
        _item, created = evidence.store(officer, case.id, io.BytesIO(content), name, description)
        added += created
    return added
