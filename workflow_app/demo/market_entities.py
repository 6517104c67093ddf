"""The demo register of market entities (市场主体名录) of 清河区: a few hundred enterprises and
individual businesses, generated the same on every run (a fixed seed), each with a valid unified
social credit code (GB 32100-2015: registration authority 9 市场监管, kind 1 企业 or 2 个体工商户,
the demo's administrative division 990105, a 9-character organisation code and its check
character). The parties of the demo's clues in other departments (demo/departments.py) are among
them, so an inspection of one of them names the party its penalty case names.

`flask demo seed` imports them through the register's own import (services/registers/market_entities.py),
as an administrator's CSV would be."""
import random

from ..oversight.identity import with_uscc_check
from .departments import CLUES

COUNT = 300
SEED = 20260101
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# (industry section, share, name stems, business words of an enterprise, of an individual business)
_KINDS = [
    ("F", 30, ("超市", "便利店", "食品商行", "百货", "副食店", "农资店", "五金店", "药店")),
    ("H", 22, ("餐馆", "饭店", "小吃店", "火锅店", "面馆", "奶茶店", "烘焙坊", "快餐店")),
    ("C", 18, ("食品厂", "包装制品厂", "家具厂", "五金制品厂", "服装厂", "印刷厂", "塑料制品厂", "建材厂")),
    ("G", 8, ("货运站", "物流公司", "仓储中心", "快递服务部")),
    ("E", 6, ("建筑工程公司", "装饰工程公司", "安装工程公司")),
    ("O", 6, ("美容美发店", "洗浴中心", "家电维修部", "洗衣店")),
    ("R", 4, ("网吧", "健身馆", "歌舞厅")),
    ("Q", 3, ("诊所", "养老院")),
    ("L", 3, ("商务咨询公司", "广告公司")),
]
_WORDS = ("兴华", "瑞丰", "和顺", "鑫源", "佳美", "金穗", "福临", "长盛", "鸿运", "恒通", "嘉禾", "新城",
          "百川", "万家", "康达", "益民", "华润", "锦程", "宏图", "永安", "汇通", "祥和", "明德", "春晓",
          "晨光", "绿野", "天成", "聚源", "德润", "安泰")
_STREETS = ("兴华路", "建设北路", "河西路", "人民大街", "纬三路", "清河大道", "新华街", "长安路", "东风路", "园林路")
_RISK = (("A", 40), ("B", 35), ("C", 18), ("D", 7))


def _pick(rnd: random.Random, weighted):
    return rnd.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def entities(count: int = COUNT) -> list[dict]:
    """`count` entities (and the demo clues' parties), in the import's columns."""
    rnd = random.Random(SEED)
    found, names = [], set()
    for _party_department, _user, _title, party, code, address, _summary, _days in CLUES:
        found.append({"credit_code": code, "name": party, "address": address,
                      "industry": "C" if "化工" in party or "印染" in party or "建材" in party else "G",
                      "risk_grade": "C", "region": "qinghe"})
        names.add(party)
    codes = {e["credit_code"] for e in found}
    while len(found) < count + len(CLUES):
        industry = _pick(rnd, [(k[0], k[1]) for k in _KINDS])
        stems = next(k[2] for k in _KINDS if k[0] == industry)
        individual = industry in ("F", "H", "O") and rnd.random() < 0.45
        stem = rnd.choice(stems)
        word = rnd.choice(_WORDS)
        name = f"清河区{word}{stem}" if individual else f"清河区{word}{stem.removesuffix('公司')}有限公司"
        if name in names:
            name = f"清河区{word}{rnd.choice(_WORDS)}{stem}" if individual else \
                f"清河区{word}{rnd.choice(_WORDS)}{stem.removesuffix('公司')}有限公司"
        if name in names:
            continue
        body = "MA" + "".join(rnd.choice(_CODE_CHARS) for _ in range(7))
        code = with_uscc_check(("92" if individual else "91") + "990105" + body)
        if code in codes:
            continue
        names.add(name)
        codes.add(code)
        found.append({"credit_code": code, "name": name,
                      "address": f"清河区{rnd.choice(_STREETS)}{rnd.randint(1, 300)}号",
                      "industry": industry, "risk_grade": _pick(rnd, _RISK), "region": "qinghe"})
    return found
