"""The vocabularies of the registers: enforcement domains (执法领域), penalty kinds (APL Art. 9) and
coercive measures (行政强制法 Art. 9).

A department is entered in the register with the enforcement domain(s) it acts in and its powers
list (权责清单): the penalty kinds the law lets it impose (APL Art. 18: a power exercised by one
body; 行政拘留 only by public security, APL Art. 18(3)) and the coercive measures a law or
regulation lets it take (行政强制法 Art. 17: only within its statutory powers, never entrusted). An officer's enforcement certificate
(行政执法证) names one domain from the same vocabulary, and it is valid only on the cases of a
department acting in that domain (APL Art. 42: enforcement by officers certified for it).
"""

# code -> Chinese label. Certificates and departments store the code.
ENFORCEMENT_DOMAINS = {
    "market_regulation": "市场监管",
    "ecology_environment": "生态环境",
    "transport": "交通运输",
    "urban_management": "城市管理",
    "health": "卫生健康",
    "emergency_management": "应急管理",
    "natural_resources": "自然资源",
    "housing_construction": "住房城乡建设",
    "culture_tourism": "文化旅游",
    "agriculture": "农业农村",
    "water": "水利",
    "labour_security": "人力资源社会保障",
    "education": "教育",
    "public_security": "公安",
    "civil_affairs": "民政",
    "commerce": "商务",
    "development_reform": "发展改革",
    "finance": "财政",
    "audit": "审计",
    "statistics": "统计",
    "forestry": "林业",
    "sports": "体育",
    "medical_security": "医疗保障",
    "veterans": "退役军人事务",
    "ethnic_religious": "民族宗教",
    "science_technology": "科学技术",
    "industry_it": "工业和信息化",
    "fire_rescue": "消防救援",
    "meteorology": "气象",
    "archives": "档案",
    "tobacco": "烟草专卖",
    "civil_air_defense": "人民防空",
    "state_secrets": "保密",
    "press_publication": "新闻出版",
    "radio_television": "广播电视",
    "grain_reserves": "粮食和物资储备",
    "fisheries": "海洋渔业",
    "cyberspace": "网信",
    "landscaping": "园林绿化",
    "energy": "能源",
}

# APL Art. 9, in its order. The forms' penalty-kind enums are exactly these codes with these
# labels (tests/unit/test_forms.py holds them to it).
PENALTY_KINDS = {
    "warning": "警告",
    "public_criticism": "通报批评",
    "fine": "罚款",
    "confiscation": "没收违法所得、没收非法财物",
    "suspend_licence": "暂扣许可证件",
    "lower_qualification": "降低资质等级",
    "revoke_licence": "吊销许可证件",
    "restrict_activity": "限制开展生产经营活动",
    "suspend_production": "责令停产停业",
    "order_closure": "责令关闭",
    "restrict_practice": "限制从业",
    "detention": "行政拘留",
}
# APL Art. 18(3): restricting personal freedom is for public security alone.
PUBLIC_SECURITY_ONLY = frozenset({"detention"})
# 行政强制法 Art. 9, the measures on property: a department's powers list names those the laws it
# enforces let it take (食品安全法 Art. 110, 环境保护法 Art. 25, 安全生产法 Art. 65 …).
COERCIVE_MEASURES = {
    "seal": "查封场所、设施或者财物",
    "seize": "扣押财物",
    "freeze": "冻结存款、汇款",
}
# 行政强制法 Art. 12(2)-(5): the means of coercive execution a law may give an agency itself (Art. 13);
# a department whose powers list names none applies to the court (Art. 53). 加处罚款 (Art. 12(1), APL
# Art. 72) every agency imposing a fine has. The law giving each: 税收征收管理法 Art. 40 (划拨), 水污染防治法
# Art. 85 and 大气污染防治法 (代为治理, 代履行, Art. 50), 城乡规划法 Art. 68 (排除妨碍 …).
EXECUTION_METHODS = {
    "transfer_deposit": "划拨存款、汇款",
    "auction": "拍卖或者依法处理查封、扣押的场所、设施或者财物",
    "remove_obstruction": "排除妨碍、恢复原状",
    "substitute_performance": "代履行",
}
# Every power a powers list may hold, in the laws' order.
POWERS = {**PENALTY_KINDS, **COERCIVE_MEASURES, **EXECUTION_METHODS}


def domain_code(value: str) -> str | None:
    """A domain given by its code or its Chinese label, as its code (None if not in the vocabulary)."""
    if value in ENFORCEMENT_DOMAINS:
        return value
    return next((code for code, label in ENFORCEMENT_DOMAINS.items() if label == value), None)


def domain_label(code: str) -> str:
    return ENFORCEMENT_DOMAINS.get(code, code)


def kind_label(code: str) -> str:
    return POWERS.get(code, code)
