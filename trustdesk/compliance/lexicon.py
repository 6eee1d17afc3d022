"""The words the listing check looks for, each with the context that makes it harmless.

Context lives inside the patterns (look-aheads and look-behinds) so one compiled expression scans a
field in a single pass. Every exception is here because a real listing uses the word innocently:
第一次 and 最近 are time, 100%纯棉 is a fabric composition, 万能胶 is a product name, 象牙白 a colour,
"best before" a date, "dog treats" food, "1:18 replica" a scale model.

Sources: Advertising Law of the PRC art. 9(3) (国家级, 最高级, 最佳 and the like), art. 17 (medical
claims for non-medical goods), the platform's prohibited-goods list, and the rules on "original price"
in price promotions.
"""

from __future__ import annotations

# --- absolute and superlative claims (Advertising Law art. 9(3)) --------------------------------
_NOT_AFTER_DI_YI = (
    "次|天|步|章|季|集|期|批|代|层|课|周|时间|手|个|件|排|页|眼|印象|口|年|月|日|"
    "站|轮|节|部|张|条|道|种|回|声|阶段|[0-9一二三四五六七八九十百千]"
)
_MATERIAL = (
    "纯?棉|全棉|羊毛|羊绒|真丝|桑蚕丝|蚕丝|涤纶|聚酯|亚麻|真皮|牛皮|鹅绒|鸭绒|"
    "cotton|wool|silk|polyester|linen|cashmere|leather|merino|nylon|down|recycled|organic"
)
ABSOLUTE_ZH = [
    r"国家级",
    r"世界级",
    r"全球级",
    r"宇宙级",
    r"最高级",
    r"最佳",
    r"最好(?!在|于|先|别|不要|不|是|放|用|冷藏|避免|尽快|咨询|提前)",
    r"最优",
    r"最强",
    r"最低价",
    r"最便宜",
    r"最先进",
    r"最受欢迎",
    r"史上最",
    r"全网最",
    r"全球最",
    r"全国最",
    r"(?<!唯)(?<!统)第一(?!" + _NOT_AFTER_DI_YI + ")",
    r"顶级",
    r"极品(?!飞车)",
    r"万能(?!胶|充|表|钥匙|转换|插座|轮|扳手|工具箱|遥控|螺丝刀|夹|钳)",
    r"独一无二",
    r"无与伦比",
    r"绝对(?!值|温度|零度|湿度|坐标|音感)",
    r"销量冠军",
    r"遥遥领先",
    r"首选",
    r"首家",
    r"首个",
    r"独家",
    r"顶尖",
    r"极致",
    r"巅峰",
    r"唯一(?!的?(?:缺点|不足|遗憾|问题))",
    r"领导品牌",
    r"领导者",
    r"领袖品牌",
    r"(?:全球|全国|全网|国内)首发",
    r"王牌",
    r"百分百",
    r"至尊品质",
    r"冠军品质",
]
ABSOLUTE_EN = [
    r"\bbest\b(?![\s-]*(?:before|by|used|regards|wishes|friends?|seller|selling|buy|to\b))",
    r"\bworld[- ]class\b",
    r"\bworld'?s first\b",
    r"\bnumber one\b",
    r"\bno\.\s?1(?![0-9])",
    r"#1(?![0-9])",
    r"\btop[- ](?:grade|quality|notch|class|rated)\b",
    r"\bhighest[- ](?:grade|quality|level)\b",
    r"\blowest price\b",
    r"\bcheapest\b",
    r"\bultimate\b",
    r"\bunbeatable\b",
    r"\bunrivall?ed\b",
    r"\bunmatched\b",
    r"\b(?:national|state)[- ]level\b",
    r"\btop\s?1(?![0-9])",
    r"\bfinest\b",
    r"\bgreatest\b",
    r"\bsecond to none\b",
    r"\bbest[- ]ever\b",
    r"\bperfect in every way\b",
    r"\bmost (?:comfortable|advanced|powerful|effective|popular|durable|reliable|trusted|luxurious)\b",
]
# "100%" is a claim unless it states a composition, before or after the figure.
ABSOLUTE_PERCENT = (
    r"(?<![棉毛丝麻纶皮绒量：:])(?<!cotton )(?<!wool )(?<!silk )(?<!cotton)"
    r"100\s?[%％](?!\s?(?:" + _MATERIAL + "))"
)

# --- disease-treatment and efficacy claims (Advertising Law art. 17) -----------------------------
MEDICAL_ZH = [
    r"治疗",
    r"治愈",
    r"根治",
    r"医治",
    r"包治",
    r"治百病",
    r"药到病除",
    r"疗效",
    r"抗癌",
    r"防癌",
    r"杀死癌细胞",
    r"降血压",
    r"降血糖",
    r"降血脂",
    r"消炎",
    r"痊愈",
    r"预防疾病",
    r"神药",
    r"(?:治|治疗|医治|根治|防治|调节|调理|降低|降|抗|预防|改善|缓解|消除|告别|远离|修复|逆转)"
    r"(?:"
    + "|".join(
        [
            "三高",
            "高血压",
            "血压",
            "高血糖",
            "血糖",
            "高血脂",
            "血脂",
            "胆固醇",
            "糖尿病",
            "肿瘤",
            "癌症",
            "脱发",
            "近视",
            "失眠",
            "便秘",
            "鼻炎",
            "咽炎",
            "颈椎病",
            "腰椎病",
            "关节炎",
            "风湿",
            "胃病",
            "胃炎",
            "肝病",
            "痛风",
            "湿疹",
            "皮炎",
            "牛皮癣",
            "抑郁症?",
            "焦虑症",
            "哮喘",
            "前列腺炎?",
            "心脏病",
            "冠心病",
            "中风",
            "骨质疏松",
            "妇科病",
            "甲亢",
            "白内障",
            "老年痴呆",
            "病毒",
            "疾病",
        ]
    )
    + ")",
]
_DISEASE_EN = (
    r"cancers?|tumou?rs?|diabetes|hypertension|high blood pressure|insomnia|arthritis|"
    r"rheumatism|covid(?:-19)?|flu|influenza|infections?|diseases?|eczema|psoriasis|depression|"
    r"asthma|alzheimer'?s|gout|migraines?|acne|anxiety|cholesterol|hair loss|myopia|wounds?|"
    r"cuts and (?:scrapes|burns)|heart disease|osteoporosis|viruse?s?"
)
MEDICAL_EN = [
    r"\b(?:cures?|cured|curing|treats?|treated|treating|heals?|healing|prevents?|preventing|"
    r"relieves?|reverses?|fights?|kills?|eliminates?|reduces?|lowers?|regulates?|protects? against|"
    r"helps? (?:with|relieve|treat|cure|prevent))\s+(?:[a-z'-]+\s+){0,2}?(?:" + _DISEASE_EN + r")\b",
    r"\banti-?cancer\b",
    r"\bcancer-fighting\b",
    r"\blowers? blood (?:pressure|sugar)\b",
    r"\bclinically proven\b",
    r"\bmiracle cure\b",
]
# A claim preceded by one of these, in the same clause, is a disclaimer ("不能代替药物治疗",
# "not intended to diagnose, treat, cure or prevent any disease").
NEGATIONS_ZH = ("不能", "不可", "不具", "不是", "并非", "非药", "无法", "不用于", "替代", "代替")
NEGATIONS_EN = (" not ", "n't ", " never ", " no ", " without ")
CLAUSE_BREAKS = "，。；！？,.;!?\n"

# --- prohibited goods ----------------------------------------------------------------------------
PROHIBITED_ZH = [
    r"枪支",
    r"手枪(?!钻|型|式)",
    r"气枪",
    r"仿真枪",
    r"猎枪",
    r"弹药",
    r"管制刀具",
    r"毒品",
    r"冰毒",
    r"海洛因",
    r"可卡因",
    r"摇头丸",
    r"(?<!工业)大麻(?!籽|纤维)",
    r"迷药",
    r"迷魂药",
    r"迷幻药",
    r"听话水",
    r"催情药",
    r"春药",
    r"窃听器",
    r"针孔摄像",
    r"偷拍",
    r"假证",
    r"办证",
    r"代开发票",
    r"发票代开",
    r"假币",
    r"象牙(?!白|色|塔|果|黄|红|雕花|纹|质感)",
    r"犀牛角",
    r"犀角",
    r"穿山甲",
    r"虎骨",
    r"熊胆",
    r"(?:出售|买卖|收购)(?:身份证|银行卡)",
    r"电击(?:枪|棍|器)",
    r"电警棍",
    r"弩",
    r"K粉",
    r"氯胺酮",
    r"迷情(?:水|药|香)",
    r"代办(?:各类|各种)?(?:证件|证书|文凭|学历|驾照)",
    r"炸药",
    r"雷管",
]
PROHIBITED_EN = [
    r"\bfirearms?\b",
    r"\bhandguns?\b",
    r"(?<!water )\bpistols?\b(?!\s?grip)",
    r"\bammunition\b",
    r"\blive rounds\b",
    r"\bcocaine\b",
    r"\bheroin\b",
    r"\bmethamphetamine\b",
    r"\bfentanyl\b",
    r"\becstasy pills?\b",
    r"\bivory\b(?!\s?(?:white|colou?r|tone|lace|paper|soap|coast|cream|finish|linen))",
    r"\brhino horns?\b",
    r"\bpangolin\b",
    r"\bfake (?:id|passport|diploma|banknote)s?\b",
    r"\bcounterfeit (?:money|banknotes?|currency)\b",
    r"\bspy cam(?:era)?s?\b(?!\s?(?:detector|finder|locator))",
    r"\bhidden cameras?\b(?!\s?(?:detector|finder|locator))",
    r"\bswitchblades?\b",
    r"\bbrass knuckles\b",
    r"\bknuckle dusters?\b",
    r"\bcrossbows?\b",
    r"\btasers?\b",
    r"\btiger bones?\b",
    r"\bketamine\b",
    r"\bstun guns?\b",
    r"\bexplosives?\b",
    r"\bdetonators?\b",
]

# --- counterfeit signals -------------------------------------------------------------------------
COUNTERFEIT_ZH = [r"高仿", r"精仿", r"A货", r"超A(?![0-9])", r"仿牌", r"一比一复刻", r"原单(?!号)"]
COUNTERFEIT_EN = [
    r"\bsuper ?copy\b",
    r"\bknock-?offs?\b",
    r"\bmirror quality\b",
    r"\b1:1 (?:mirror )?(?:copy|replica)\b",
    r"\bmirror copy\b",
    r"\baaa\+? quality\b",
    r"(?<!1:[0-9][0-9] )(?<!1:[0-9] )\breplicas?\b",
]

# Brands that counterfeiters copy, with the names a listing uses for them. Matching is
# case-sensitive for names that are also ordinary words (Coach, Omega, Apple), and word boundaries are
# ASCII ones, so "LV同款" names LV.
BRANDS: dict[str, list[str]] = {
    "Louis Vuitton": [r"Louis Vuitton", r"\bLV\b", r"路易威登"],
    "Gucci": [r"(?i:\bgucci\b)", r"古驰"],
    "Chanel": [r"(?i:\bchanel\b)", r"香奈儿"],
    "Hermès": [r"(?i:\bherm[eè]s\b)", r"爱马仕"],
    "Prada": [r"(?i:\bprada\b)", r"普拉达"],
    "Dior": [r"(?i:\bdior\b)", r"迪奥"],
    "Rolex": [r"(?i:\brolex\b)", r"劳力士"],
    "Omega": [r"\bOmega\b(?![- ]?[0-9])", r"欧米茄"],
    "Cartier": [r"(?i:\bcartier\b)", r"卡地亚"],
    "Nike": [r"(?i:\bnike\b)", r"耐克"],
    "Adidas": [r"(?i:\badidas\b)", r"阿迪达斯"],
    "Dyson": [r"(?i:\bdyson\b)", r"戴森"],
    "Apple": [r"(?i:\biphone\b)", r"(?i:\bairpods\b)", r"\bApple\b"],
    "Huawei": [r"(?i:\bhuawei\b)", r"华为"],
    "Sony": [r"(?i:\bsony\b)", r"索尼"],
    "Moutai": [r"茅台(?!镇)", r"(?i:\bmoutai\b)"],
    "Wuliangye": [r"五粮液"],
    "SK-II": [r"(?i:\bsk-?ii\b)"],
    "Lancôme": [r"(?i:\blanc[oô]me\b)", r"兰蔻"],
    "Estée Lauder": [r"(?i:\best[eé]e lauder\b)", r"雅诗兰黛"],
    "Burberry": [r"(?i:\bburberry\b)", r"博柏利"],
    "Coach": [r"\bCOACH\b", r"\bCoach\b(?= (?:bag|handbag|purse|wallet|tote))", r"蔻驰"],
    "Canada Goose": [r"(?i:\bcanada goose\b)", r"加拿大鹅"],
    "Moncler": [r"(?i:\bmoncler\b)", r"盟可睐"],
    "Balenciaga": [r"(?i:\bbalenciaga\b)", r"巴黎世家"],
    "Tiffany": [r"(?i:\btiffany\b)", r"蒂芙尼"],
    "Chow Tai Fook": [r"(?i:\bchow tai fook\b)", r"周大福"],
}

# A cheap item that names a brand only to say what it fits (a case, a cable, a filter) is an
# accessory, not a counterfeit of the brand.
ACCESSORY = (
    r"(?i:\b(?:cases?|covers?|bands?|straps?|filters?|replacements?|compatible|chargers?|cables?|"
    r"screen protectors?|skins?|adapters?|accessor(?:y|ies))\b)|适用于|适用|兼容|手机壳|保护壳|保护套|表带|"
    r"钢化膜|贴膜|滤网|滤芯|充电器|充电线|数据线|配件|鞋带|替换|收纳盒"
)
