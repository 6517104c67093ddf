"""The demo district: 示范市清河区, its justice bureau and ~40 enforcement departments."""

PROVINCE = ("demo_province", "示范省", "Demo Province")
CITY = ("demo_city", "示范市", "Demo City")
DISTRICT = ("qinghe", "清河区", "Qinghe District")
JUSTICE = ("justice", "清河区司法局", "Qinghe District Justice Bureau")

# What every demo department's decisions name (services/registers/org_settings.py): the fine paid at the
# district's rural commercial bank to the district treasury's non-tax revenue account (each
# department its own), reconsidered by the district government (行政复议法 Art. 24) and sued at the
# district court (行政诉讼法 Art. 18).
def demo_settings(index: int) -> dict:
    return {"payment_bank": "清河区农村商业银行", "payment_account": f"6230 5100 0000 {1001 + index:04d}",
            "payment_place": "清河区农商银行各营业网点", "reconsideration_body": "清河区人民政府",
            "court": "清河区人民法院"}


# (code, name, English name); `market` first: the demo users of the API contract live there.
DEPARTMENTS = [
    ("market", "市场监督管理局", "Market Regulation Bureau"),
    ("environment", "生态环境分局", "Ecology and Environment Branch"),
    ("transport", "交通运输局", "Transport Bureau"),
    ("urban", "综合行政执法局", "Comprehensive Administrative Enforcement Bureau"),
    ("health", "卫生健康局", "Health Bureau"),
    ("emergency", "应急管理局", "Emergency Management Bureau"),
    ("natural_resources", "自然资源和规划分局", "Natural Resources and Planning Branch"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("culture", "文化和旅游局", "Culture and Tourism Bureau"),
    ("agriculture", "农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("water", "水利局", "Water Resources Bureau"),
    ("hrss", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("education", "教育局", "Education Bureau"),
    ("police", "公安分局", "Public Security Branch"),
    ("civil_affairs", "民政局", "Civil Affairs Bureau"),
    ("commerce", "商务局", "Commerce Bureau"),
    ("development_reform", "发展和改革局", "Development and Reform Bureau"),
    ("finance", "财政局", "Finance Bureau"),
    ("audit", "审计局", "Audit Bureau"),
    ("statistics", "统计局", "Statistics Bureau"),
    ("forestry", "林业局", "Forestry Bureau"),
    ("sports", "体育局", "Sports Bureau"),
    ("medical_security", "医疗保障局", "Healthcare Security Bureau"),
    ("veterans", "退役军人事务局", "Veterans Affairs Bureau"),
    ("ethnic_religious", "民族宗教事务局", "Ethnic and Religious Affairs Bureau"),
    ("science_tech", "科学技术局", "Science and Technology Bureau"),
    ("economy_it", "经济和信息化局", "Economy and Information Technology Bureau"),
    ("fire", "消防救援大队", "Fire and Rescue Brigade"),
    ("meteorology", "气象局", "Meteorological Bureau"),
    ("archives", "档案馆", "Archives"),
    ("tobacco", "烟草专卖局", "Tobacco Monopoly Bureau"),
    ("civil_air_defense", "人民防空办公室", "Civil Air Defence Office"),
    ("confidentiality", "保密局", "State Secrets Protection Bureau"),
    ("publishing", "新闻出版局", "Press and Publication Bureau"),
    ("radio_tv", "广播电视局", "Radio and Television Bureau"),
    ("grain_reserves", "粮食和物资储备局", "Grain and Material Reserves Bureau"),
    ("fisheries", "海洋与渔业局", "Ocean and Fisheries Bureau"),
    ("cyberspace", "网信办", "Cyberspace Affairs Office"),
    ("landscaping", "园林绿化局", "Landscaping Bureau"),
    ("energy", "能源局", "Energy Bureau"),
]

# Each demo department's short name (机关代字) its case and document numbers begin with: 清 for
# 清河区, then the department's usual abbreviation (清市监立〔2026〕12号, 清市监罚〔2026〕7号); the
# kinds' codes and the pattern are the defaults (services/registers/numbering.py).
ABBREVIATIONS = {
    "market": "清市监", "environment": "清环", "transport": "清交", "urban": "清综执", "health": "清卫健",
    "emergency": "清应急", "natural_resources": "清自规", "housing": "清住建", "culture": "清文旅",
    "agriculture": "清农", "water": "清水", "hrss": "清人社", "education": "清教", "police": "清公",
    "civil_affairs": "清民", "commerce": "清商", "development_reform": "清发改", "finance": "清财",
    "audit": "清审", "statistics": "清统", "forestry": "清林", "sports": "清体", "medical_security": "清医保",
    "veterans": "清退役", "ethnic_religious": "清民宗", "science_tech": "清科", "economy_it": "清经信",
    "fire": "清消", "meteorology": "清气", "archives": "清档", "tobacco": "清烟", "civil_air_defense": "清人防",
    "confidentiality": "清保密", "publishing": "清新出", "radio_tv": "清广电", "grain_reserves": "清粮储",
    "fisheries": "清海渔", "cyberspace": "清网信", "landscaping": "清园林", "energy": "清能",
}

# The register of each demo department (oversight/powers.py): its enforcement domains and its
# powers list (权责清单), the penalty kinds the laws it enforces let it impose (APL Art. 9, 18) and
# the coercive measures they let it take (行政强制法 Art. 9, 17).
# Every department may warn, criticize publicly, fine and confiscate; the heavier kinds follow the
# laws of its domain (e.g. 食品安全法 Art. 135 限制从业, 建筑法 Art. 65 降低资质等级); only public
# security detains (APL Art. 18(3)).
BASIC_POWERS = ("warning", "public_criticism", "fine", "confiscation")
LICENCE_POWERS = ("suspend_licence", "revoke_licence")
# 查封、扣押 (行政强制法 Art. 9, 17) where the laws of the domain give it: 食品安全法 Art. 110, 产品质量法
# Art. 18 (market), 环境保护法 Art. 25 (environment), 安全生产法 Art. 65 (emergency), 农产品质量安全法
# Art. 71 and 种子法 Art. 50 (agriculture), 传染病防治法 Art. 55 (health), 烟草专卖法实施条例 (tobacco); a
# vehicle or goods seized only (道路运输条例 Art. 68, 城市管理执法办法, 出版管理条例 Art. 63, 渔业法 …);
# public security also freezes (Art. 9(4)).
SEIZURE = ("seal", "seize")
# Coercive execution by the department itself (行政强制法 Arts. 12, 13) where a law gives it a means: 代为治理
# (代履行, Art. 50) under 水污染防治法 Art. 85 and 大气污染防治法 Art. 116 (environment), 排除妨碍 and 代履行 of
# the city's appearance rules (城市市容和环境卫生管理条例 Art. 37, urban management). The others apply to the
# court (Art. 53).
SEIZE_ONLY = ("seize",)
REGISTERS = {
    "market": (("market_regulation",), BASIC_POWERS + LICENCE_POWERS + (
        "restrict_activity", "suspend_production", "order_closure", "restrict_practice") + SEIZURE),
    "environment": (("ecology_environment",), BASIC_POWERS + LICENCE_POWERS + (
        "restrict_activity", "suspend_production") + SEIZURE + ("substitute_performance",)),
    "transport": (("transport",), BASIC_POWERS + LICENCE_POWERS + ("lower_qualification", "suspend_production")
                  + SEIZE_ONLY),
    "urban": (("urban_management",), BASIC_POWERS + ("suspend_production",) + SEIZE_ONLY
              + ("remove_obstruction", "substitute_performance")),
    "health": (("health",), BASIC_POWERS + LICENCE_POWERS + ("suspend_production", "restrict_practice") + SEIZURE),
    "emergency": (("emergency_management",), BASIC_POWERS + LICENCE_POWERS + (
        "suspend_production", "order_closure", "restrict_practice") + SEIZURE),
    "natural_resources": (("natural_resources",), BASIC_POWERS + LICENCE_POWERS + ("lower_qualification",)),
    "housing": (("housing_construction",), BASIC_POWERS + LICENCE_POWERS + (
        "lower_qualification", "suspend_production", "restrict_practice")),
    # 文化市场综合执法: culture and tourism, radio and television, press and publication.
    "culture": (("culture_tourism", "radio_television", "press_publication"), BASIC_POWERS + LICENCE_POWERS + (
        "lower_qualification", "suspend_production", "order_closure") + SEIZE_ONLY),
    "agriculture": (("agriculture",), BASIC_POWERS + LICENCE_POWERS + ("suspend_production",) + SEIZURE),
    "water": (("water",), BASIC_POWERS + LICENCE_POWERS),
    "hrss": (("labour_security",), BASIC_POWERS + LICENCE_POWERS),
    "education": (("education",), BASIC_POWERS + LICENCE_POWERS + ("order_closure",)),
    "police": (("public_security",), BASIC_POWERS + LICENCE_POWERS + (
        "suspend_production", "order_closure", "restrict_practice", "detention") + SEIZURE + ("freeze",)),
    "civil_affairs": (("civil_affairs",), BASIC_POWERS + ("revoke_licence",)),
    "commerce": (("commerce",), BASIC_POWERS + LICENCE_POWERS),
    "development_reform": (("development_reform",), BASIC_POWERS + ("suspend_production",)),
    "finance": (("finance",), BASIC_POWERS),
    "audit": (("audit",), BASIC_POWERS),
    "statistics": (("statistics",), BASIC_POWERS),
    "forestry": (("forestry",), BASIC_POWERS + LICENCE_POWERS),
    "sports": (("sports",), BASIC_POWERS + ("suspend_production",)),
    "medical_security": (("medical_security",), BASIC_POWERS + ("restrict_practice",)),
    "veterans": (("veterans",), BASIC_POWERS),
    "ethnic_religious": (("ethnic_religious",), BASIC_POWERS + ("revoke_licence",)),
    "science_tech": (("science_technology",), BASIC_POWERS),
    "economy_it": (("industry_it",), BASIC_POWERS + LICENCE_POWERS),
    "fire": (("fire_rescue",), BASIC_POWERS + ("suspend_production",)),
    "meteorology": (("meteorology",), BASIC_POWERS + LICENCE_POWERS),
    "archives": (("archives",), BASIC_POWERS),
    "tobacco": (("tobacco",), BASIC_POWERS + LICENCE_POWERS + SEIZURE),
    "civil_air_defense": (("civil_air_defense",), BASIC_POWERS),
    "confidentiality": (("state_secrets",), BASIC_POWERS + ("revoke_licence",)),
    "publishing": (("press_publication",), BASIC_POWERS + LICENCE_POWERS + ("suspend_production",)),
    "radio_tv": (("radio_television",), BASIC_POWERS + LICENCE_POWERS),
    "grain_reserves": (("grain_reserves",), BASIC_POWERS + ("revoke_licence",)),
    "fisheries": (("fisheries",), BASIC_POWERS + LICENCE_POWERS + SEIZE_ONLY),
    "cyberspace": (("cyberspace",), BASIC_POWERS + LICENCE_POWERS + ("suspend_production", "order_closure")),
    "landscaping": (("landscaping",), BASIC_POWERS),
    "energy": (("energy",), BASIC_POWERS + LICENCE_POWERS),
}

# The users named by the API contract: (username, full name, roles, unit code, certified).
CONTRACT_USERS = [
    ("officer1", "张明", ("officer",), "market", True),
    ("officer2", "李华", ("officer",), "market", True),
    ("officer3", "王芳", ("officer",), "market", True),
    ("reviewer1", "陈静", ("legal_reviewer",), "market", False),
    ("reviewer2", "刘洋", ("legal_reviewer",), "market", False),
    ("head1", "赵强", ("department_head",), "market", False),
    ("head2", "吴刚", ("department_head",), "market", False),
    ("head3", "郑敏", ("department_head",), "market", False),
    ("supervisor1", "孙丽", ("supervisor",), "qinghe", False),
    ("author1", "周杰", ("bpmn_author",), "qinghe", False),
    ("approver1", "冯雪", ("procedure_approver",), "qinghe", False),
    ("admin", "系统管理员", ("admin",), "qinghe", False),
]
