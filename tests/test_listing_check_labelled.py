"""The labelled listing set: 300+ Chinese and English listings, each labelled by hand with the findings
a reviewer expects (code, field, the words), and the per-code precision and recall of the check.

Every claim phrase below was written with its expected label; the phrases are spread over ordinary
product titles so each term is seen both in a title and in a description. The near-misses (第一次, 最近,
100%纯棉, 万能胶, 象牙白, "best before", "dog treats") are the listings a naive word scan gets wrong.
The benchmark imports CASES and evaluate() from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from trustdesk.compliance.checker import (
    ABSOLUTE,
    BLOCKING,
    CODES,
    COUNTERFEIT,
    MEDICAL,
    ORIGINAL_PRICE,
    PROHIBITED,
    CategoryFacts,
    ListingText,
    check,
)

# category → (is_medical, usual price)
CATEGORIES: dict[str, tuple[bool, str]] = {
    "apparel": (False, "150"),
    "shoes": (False, "700"),
    "bags": (False, "6000"),
    "watches": (False, "20000"),
    "electronics": (False, "1500"),
    "food": (False, "80"),
    "health-food": (False, "200"),
    "cosmetics": (False, "400"),
    "home": (False, "120"),
    "liquor": (False, "1500"),
    "pharmacy": (True, "60"),
}


@dataclass
class Case:
    title: str
    description: str = ""
    category: str = "home"
    price: str = "99"
    brand: str = ""
    original_price: str | None = None
    expect: list[tuple[str, str, str]] = field(default_factory=list)  # (code, field, words)
    lang: str = "zh"

    @property
    def verdict(self) -> str:
        codes = {code for code, _f, _w in self.expect}
        return "block" if codes & BLOCKING else ("revise" if codes else "pass")

    def listing(self) -> ListingText:
        original = Decimal(self.original_price) if self.original_price else None
        return ListingText(self.title, self.description, Decimal(self.price), self.brand, original)

    def facts(self) -> CategoryFacts:
        medical, norm = CATEGORIES[self.category]
        return CategoryFacts(is_medical=medical, norm_price=Decimal(norm))


ZH_BASES = [
    ("纯棉短袖T恤 男款 夏季", "apparel", "69"),
    ("家用不锈钢炒锅 32cm", "home", "129"),
    ("无线蓝牙耳机 降噪长续航", "electronics", "299"),
    ("五常大米 5kg 当季新米", "food", "59"),
    ("保湿面霜 50ml 温和配方", "cosmetics", "159"),
    ("跑步鞋 轻便透气 男女同款", "shoes", "259"),
    ("蜂蜜 500g 农家自产", "health-food", "68"),
    ("收纳盒 三件套 大容量", "home", "39"),
]
EN_BASES = [
    ("Cotton crew-neck T-shirt for men", "apparel", "19"),
    ("Stainless steel frying pan 32 cm", "home", "35"),
    ("Wireless Bluetooth earbuds with noise cancelling", "electronics", "49"),
    ("Organic green tea 250 g", "food", "15"),
    ("Hydrating face cream 50 ml", "cosmetics", "29"),
    ("Lightweight running shoes", "shoes", "59"),
    ("Raw honey 500 g from local farms", "health-food", "12"),
    ("Storage boxes, set of three", "home", "9"),
]

# (phrase, the words a reviewer marks in it)
ABSOLUTE_ZH = [
    ("国家级品质认证", "国家级"),
    ("最高级面料", "最高级"),
    ("最佳选择", "最佳"),
    ("全网销量第一", "第一"),
    ("顶级工艺", "顶级"),
    ("极品好货", "极品"),
    ("万能好帮手", "万能"),
    ("100%好评", "100%"),
    ("效果100%满意", "100%"),
    ("世界级品质", "世界级"),
    ("行业最好的产品", "最好"),
    ("最优品质", "最优"),
    ("性能最强", "最强"),
    ("全网最低价", "全网最"),
    ("史上最低折扣", "史上最"),
    ("绝对正品", "绝对"),
    ("独一无二的设计", "独一无二"),
    ("无与伦比的体验", "无与伦比"),
    ("销量冠军款", "销量冠军"),
    ("品质遥遥领先", "遥遥领先"),
    ("同类产品第一品牌", "第一"),
    ("最先进的技术", "最先进"),
    ("最受欢迎款", "最受欢迎"),
    ("全国最大的工厂直供", "全国最"),
    ("宇宙级好用", "宇宙级"),
    ("排名第一", "第一"),
    ("顶级奢华享受", "顶级"),
    ("100％正品保证", "100％"),
]
ABSOLUTE_EN = [
    ("The best choice for you", "best"),
    ("World-class quality", "World-class"),
    ("Number one in sales", "Number one"),
    ("No.1 seller on the market", "No.1"),
    ("Rated #1 by buyers", "#1"),
    ("Top-grade material", "Top-grade"),
    ("Highest quality guaranteed", "Highest quality"),
    ("Lowest price online", "Lowest price"),
    ("Cheapest you will find", "Cheapest"),
    ("The ultimate kitchen tool", "ultimate"),
    ("Unbeatable value", "Unbeatable"),
    ("Unrivalled comfort", "Unrivalled"),
    ("Unmatched performance", "Unmatched"),
    ("National-level certified", "National-level"),
    ("100% effective", "100%"),
    ("100% satisfaction", "100%"),
    ("World's first design", "World's first"),
    ("BEST gift of the year", "BEST"),
    ("Top quality finish", "Top quality"),
    ("Best in class build", "Best"),
]
MEDICAL_ZH = [
    ("可治疗失眠", "治疗"),
    ("三天治愈感冒", "治愈"),
    ("根治脚气", "根治"),
    ("包治百病", "包治"),
    ("药到病除", "药到病除"),
    ("疗效显著", "疗效"),
    ("抗癌养生", "抗癌"),
    ("防癌必备", "防癌"),
    ("帮助降血压", "降血压"),
    ("控制降血糖", "降血糖"),
    ("消炎止痛", "消炎"),
    ("喝一周痊愈", "痊愈"),
    ("预防疾病的好帮手", "预防疾病"),
    ("有效降血脂", "降血脂"),
    ("医治关节炎", "医治"),
    ("能杀死癌细胞", "杀死癌细胞"),
]
MEDICAL_EN = [
    ("Cures insomnia naturally", "Cures insomnia"),
    ("Treats arthritis pain", "Treats arthritis"),
    ("Helps prevent cancer", "prevent cancer"),
    ("Fights the flu", "Fights the flu"),
    ("Anti-cancer formula", "Anti-cancer"),
    ("Lowers blood pressure", "Lowers blood pressure"),
    ("Clinically proven results", "Clinically proven"),
    ("A miracle cure for all", "miracle cure"),
    ("Heals eczema overnight", "Heals eczema"),
    ("Reverses diabetes", "Reverses diabetes"),
    ("Relieves migraines fast", "Relieves migraines"),
    ("Kills infections", "Kills infections"),
]
PROHIBITED_ZH = [
    ("仿真枪 金属模型", "仿真枪"),
    ("出售枪支配件", "枪支"),
    ("气枪 全套", "气枪"),
    ("弹药 批发", "弹药"),
    ("管制刀具 户外", "管制刀具"),
    ("冰毒", "冰毒"),
    ("迷药 速效", "迷药"),
    ("窃听器 远程", "窃听器"),
    ("针孔摄像头", "针孔摄像"),
    ("办证 加急", "办证"),
    ("代开发票", "代开发票"),
    ("象牙雕刻摆件", "象牙"),
    ("犀牛角 收藏", "犀牛角"),
    ("穿山甲鳞片", "穿山甲"),
    ("出售银行卡", "出售银行卡"),
    ("电击枪 防身", "电击枪"),
    ("春药 男用", "春药"),
    ("假币 高清", "假币"),
    ("雷管", "雷管"),
]
PROHIBITED_EN = [
    ("Firearm accessories kit", "Firearm"),
    ("Handgun for self defense", "Handgun"),
    ("Ammunition 9mm box", "Ammunition"),
    ("Pure cocaine", "cocaine"),
    ("Ivory carving", "Ivory"),
    ("Rhino horn powder", "Rhino horn"),
    ("Fake ID cards", "Fake ID"),
    ("Spy camera pen", "Spy camera"),
    ("Hidden camera charger", "Hidden camera"),
    ("Stun gun 5000kV", "Stun gun"),
    ("Pangolin scales", "Pangolin"),
    ("Counterfeit money prop", "Counterfeit money"),
    ("Pistol with holster", "Pistol"),
]
COUNTERFEIT_ZH = [
    ("高仿 大牌同款", "高仿"),
    ("精仿 细节到位", "精仿"),
    ("A货 支持验货", "A货"),
    ("超A 品质", "超A"),
    ("仿牌 包邮", "仿牌"),
    ("一比一复刻 专柜品质", "一比一复刻"),
]
COUNTERFEIT_EN = [
    ("Super copy, mirror finish", "Super copy"),
    ("Designer knockoff", "knockoff"),
    ("Mirror quality bag", "Mirror quality"),
    ("1:1 replica", "1:1 replica"),
    ("AAA quality guaranteed", "AAA quality"),
]

# Near-misses: words that look like claims but are not, in context.
CLEAN_ZH = [
    "第一次购买送赠品",
    "上市第一天发货",
    "第一步：清洗干净",
    "最近上新",
    "最后一件，先到先得",
    "100%纯棉面料",
    "面料：棉100%",
    "万能胶 强力粘合",
    "象牙白 简约款",
    "手枪钻 充电式",
    "本品不能代替药物治疗疾病",
    "最好在冰箱冷藏保存",
    "第一代升级款",
    "第一时间发货",
    "唯一的缺点是颜色少",
    "统一发货",
    "绝对值编码器配件",
    "工业大麻纤维面料",
    "万能充电器 多口",
    "100%羊毛围巾",
    "第一批现货",
    "最新款",
    "水枪玩具 夏季",
    "子弹头 造型钥匙扣",
    "深度清洁 不伤手",
    "适合全家使用",
    "精选原料 放心食用",
    "买二送一",
    "7天无理由退换",
    "极简风格",
    "最多可容纳20本书",
    "顶部有挂钩",
    "本产品非药品，不能代替药物",
    "象牙色 雪纺",
    "一键启动",
    "保质期12个月",
    "第一手货源",
]
CLEAN_EN = [
    "Best before: see the pack",
    "Dog treats with chicken",
    "UV cure nail gel lamp",
    "100% cotton",
    "Made of 100% wool",
    "First time buyers get a gift",
    "Ivory white linen shirt",
    "Water pistol for kids",
    "1:18 replica model car",
    "Omega-3 fish oil capsules",
    "Fresh apples, 2 kg",
    "Best-selling colour",
    "Not intended to diagnose, treat, cure or prevent any disease",
    "Universal charger with 4 ports",
    "Glue gun with 20 sticks",
    "Massage gun with 6 heads",
    "Top drawer organiser",
    "Pistol grip spray nozzle",
    "Shipped within 24 hours",
    "Gift box included",
    "Latest model",
    "Last one in stock",
    "Top up card holder",
    "Faux leather jacket",
    "Cure time 24 hours for the adhesive",
    "Fits most phones",
    "Coach travel pillow",
    "Treat yourself to a new mug",
    "Free returns within 7 days",
]


def _spread(
    phrases: list[tuple[str, str]], code: str, bases: list[tuple[str, str, str]], lang: str
) -> list[Case]:
    cases = []
    for i, (phrase, words) in enumerate(phrases):
        for j, in_title in enumerate((True, False)):
            title, category, price = bases[(i + j) % len(bases)]
            # medical claims are only findings outside medical categories
            if in_title:
                case = Case(
                    f"{phrase} {title}", "", category, price, expect=[(code, "title", words)], lang=lang
                )
            else:
                sep = "，" if lang == "zh" else ". "
                case = Case(
                    title,
                    f"{phrase}{sep}{title}",
                    category,
                    price,
                    expect=[(code, "description", words)],
                    lang=lang,
                )
            cases.append(case)
    return cases


def _clean(phrases: list[str], bases: list[tuple[str, str, str]], lang: str) -> list[Case]:
    cases = []
    for i, phrase in enumerate(phrases):
        title, category, price = bases[i % len(bases)]
        cases.append(Case(f"{title} {phrase}", "", category, price, lang=lang))
        cases.append(Case(title, phrase, category, price, lang=lang))
    return cases


PRICE_CASES = [
    # counterfeit by price: a known brand far below the category's usual price
    Case(
        "LV Neverfull 手提包", category="bags", price="380", brand="", expect=[(COUNTERFEIT, "title", "LV")]
    ),
    Case(
        "经典款手提包",
        category="bags",
        price="299",
        brand="Louis Vuitton",
        expect=[(COUNTERFEIT, "brand", "Louis Vuitton")],
    ),
    Case("劳力士 潜航者 机械表", category="watches", price="899", expect=[(COUNTERFEIT, "title", "劳力士")]),
    Case(
        "Rolex Submariner automatic",
        category="watches",
        price="450",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Rolex")],
    ),
    Case("耐克 气垫跑鞋", category="shoes", price="89", expect=[(COUNTERFEIT, "title", "耐克")]),
    Case(
        "Nike Air running shoes",
        category="shoes",
        price="79",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Nike")],
    ),
    Case(
        "Running shoes",
        category="shoes",
        price="99",
        brand="Adidas",
        lang="en",
        expect=[(COUNTERFEIT, "brand", "Adidas")],
    ),
    Case("戴森 吹风机", category="electronics", price="199", expect=[(COUNTERFEIT, "title", "戴森")]),
    Case(
        "iPhone 15 Pro 256G",
        category="electronics",
        price="260",
        lang="en",
        expect=[(COUNTERFEIT, "title", "iPhone")],
    ),
    Case("飞天茅台 53度 500ml", category="liquor", price="199", expect=[(COUNTERFEIT, "title", "茅台")]),
    Case("Gucci 双肩包", category="bags", price="500", expect=[(COUNTERFEIT, "title", "Gucci")]),
    Case("香奈儿 链条包", category="bags", price="650", expect=[(COUNTERFEIT, "title", "香奈儿")]),
    Case(
        "Moncler down jacket",
        category="apparel",
        price="25",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Moncler")],
    ),
    Case("SK-II 神仙水 230ml", category="cosmetics", price="49", expect=[(COUNTERFEIT, "title", "SK-II")]),
    Case("雅诗兰黛 小棕瓶", category="cosmetics", price="39", expect=[(COUNTERFEIT, "title", "雅诗兰黛")]),
    Case(
        "Omega Seamaster watch",
        category="watches",
        price="990",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Omega")],
    ),
    Case(
        "Canada Goose parka",
        category="apparel",
        price="28",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Canada Goose")],
    ),
    Case(
        "Replica Prada handbag",
        category="bags",
        price="4500",
        lang="en",
        expect=[(COUNTERFEIT, "title", "Replica")],
    ),
    # genuine-looking prices and cheap unbranded goods are fine
    Case("LV Neverfull 手提包", category="bags", price="9800"),
    Case("劳力士 潜航者 机械表", category="watches", price="68000"),
    Case("Nike Air running shoes", category="shoes", price="899", lang="en"),
    Case("iPhone 15 Pro 256G", category="electronics", price="7999", lang="en"),
    Case("飞天茅台 53度 500ml", category="liquor", price="2699"),
    Case("帆布手提包", category="bags", price="39"),
    Case("Canvas tote bag", category="bags", price="9", lang="en"),
    Case("iPhone 15 手机壳 透明", category="electronics", price="1500"),
    Case("Fresh apples, 2 kg", category="food", price="5", lang="en"),
    Case("Omega-3 fish oil", category="health-food", price="20", lang="en"),
    Case("Coach travel pillow", category="home", price="10", lang="en"),
    # misleading original prices
    Case(
        "纯棉T恤",
        category="apparel",
        price="39",
        original_price="399",
        expect=[(ORIGINAL_PRICE, "original_price", "399.00")],
    ),
    Case(
        "Cotton T-shirt",
        category="apparel",
        price="12",
        original_price="99",
        lang="en",
        expect=[(ORIGINAL_PRICE, "original_price", "99.00")],
    ),
    Case(
        "蓝牙耳机",
        category="electronics",
        price="199",
        original_price="5999",
        expect=[(ORIGINAL_PRICE, "original_price", "5999.00")],
    ),
    Case(
        "Bluetooth earbuds",
        category="electronics",
        price="800",
        original_price="4999",
        lang="en",
        expect=[(ORIGINAL_PRICE, "original_price", "4999.00")],
    ),
    Case(
        "不锈钢炒锅",
        category="home",
        price="129",
        original_price="599",
        expect=[(ORIGINAL_PRICE, "original_price", "599.00")],
    ),
    Case(
        "Frying pan",
        category="home",
        price="200",
        original_price="450",
        lang="en",
        expect=[(ORIGINAL_PRICE, "original_price", "450.00")],
    ),
    Case(
        "保湿面霜",
        category="cosmetics",
        price="99",
        original_price="1280",
        expect=[(ORIGINAL_PRICE, "original_price", "1280.00")],
    ),
    Case(
        "Face cream",
        category="cosmetics",
        price="30",
        original_price="150",
        lang="en",
        expect=[(ORIGINAL_PRICE, "original_price", "150.00")],
    ),
    Case(
        "五常大米",
        category="food",
        price="40",
        original_price="260",
        expect=[(ORIGINAL_PRICE, "original_price", "260.00")],
    ),
    Case(
        "Running shoes",
        category="shoes",
        price="300",
        original_price="2400",
        lang="en",
        expect=[(ORIGINAL_PRICE, "original_price", "2400.00")],
    ),
    # honest discounts
    Case("纯棉T恤", category="apparel", price="79", original_price="99"),
    Case("Cotton T-shirt", category="apparel", price="15", original_price="25", lang="en"),
    Case("蓝牙耳机", category="electronics", price="1199", original_price="1499"),
    Case("Bluetooth earbuds", category="electronics", price="39", original_price="59", lang="en"),
    Case("不锈钢炒锅", category="home", price="99", original_price="199"),
    Case("Face cream", category="cosmetics", price="199", original_price="259", lang="en"),
    Case("五常大米", category="food", price="49", original_price="69"),
    Case("Running shoes", category="shoes", price="499", original_price="699", lang="en"),
    # medical claims are the point of a medical listing
    Case("感冒灵颗粒 治疗感冒引起的头痛", category="pharmacy", price="18"),
    Case("布洛芬缓释胶囊 消炎止痛", category="pharmacy", price="25"),
    Case("Cold relief tablets treat flu symptoms", category="pharmacy", price="8", lang="en"),
    Case("Hydrocortisone cream heals eczema", category="pharmacy", price="6", lang="en"),
    # several findings in one listing
    Case(
        "全网第一 高仿LV 包治百病",
        category="bags",
        price="6000",
        expect=[(ABSOLUTE, "title", "第一"), (COUNTERFEIT, "title", "高仿"), (MEDICAL, "title", "包治")],
    ),
    Case(
        "Best knockoff sneakers",
        "Cures arthritis. Best deal. 100% effective.",
        category="shoes",
        price="650",
        lang="en",
        expect=[
            (ABSOLUTE, "title", "Best"),
            (COUNTERFEIT, "title", "knockoff"),
            (MEDICAL, "description", "Cures arthritis"),
            (ABSOLUTE, "description", "Best"),
            (ABSOLUTE, "description", "100%"),
        ],
    ),
]


def _build() -> list[Case]:
    cases: list[Case] = []
    cases += _spread(ABSOLUTE_ZH, ABSOLUTE, ZH_BASES, "zh")
    cases += _spread(ABSOLUTE_EN, ABSOLUTE, EN_BASES, "en")
    cases += _spread(MEDICAL_ZH, MEDICAL, ZH_BASES, "zh")
    cases += _spread(MEDICAL_EN, MEDICAL, EN_BASES, "en")
    cases += _spread(PROHIBITED_ZH, PROHIBITED, ZH_BASES, "zh")
    cases += _spread(PROHIBITED_EN, PROHIBITED, EN_BASES, "en")
    cases += _spread(COUNTERFEIT_ZH, COUNTERFEIT, ZH_BASES, "zh")
    cases += _spread(COUNTERFEIT_EN, COUNTERFEIT, EN_BASES, "en")
    cases += _clean(CLEAN_ZH, ZH_BASES, "zh")
    cases += _clean(CLEAN_EN, EN_BASES, "en")
    cases += PRICE_CASES
    return cases


CASES = _build()


def _expected_spans(case: Case) -> list[tuple[str, str, int, int]]:
    spans = []
    for code, name, words in case.expect:
        text = getattr(case, name) if name != "original_price" else f"{Decimal(case.original_price):.2f}"
        start = text.find(words)
        assert start >= 0, (case.title, words)
        spans.append((code, name, start, start + len(words)))
    return spans


Predicted = list[tuple[str, str, int, int]]


def evaluate(predict: Callable[[Case], Predicted], cases: list[Case] | None = None) -> dict[str, Any]:
    """Per-code precision and recall: a predicted finding counts when it overlaps an expected one of
    the same code in the same field."""
    tp: Counter[str] = Counter()  # predicted findings that match a label
    fp: Counter[str] = Counter()
    found: Counter[str] = Counter()  # labels that some prediction matches
    fn: Counter[str] = Counter()
    for case in CASES if cases is None else cases:
        expected = _expected_spans(case)
        predicted = predict(case)
        for p in predicted:
            hit = any(p[0] == e[0] and p[1] == e[1] and p[2] < e[3] and e[2] < p[3] for e in expected)
            (tp if hit else fp)[p[0]] += 1
        for e in expected:
            if not any(p[0] == e[0] and p[1] == e[1] and p[2] < e[3] and e[2] < p[3] for p in predicted):
                fn[e[0]] += 1
            else:
                found[e[0]] += 1
    report = {}
    for code in CODES:
        predicted_n, expected_n = tp[code] + fp[code], found[code] + fn[code]
        report[code] = {
            "precision": tp[code] / predicted_n if predicted_n else 1.0,
            "recall": found[code] / expected_n if expected_n else 1.0,
            "expected": expected_n,
            "false_positives": fp[code],
            "missed": fn[code],
        }
    return report


def checker_predict(case: Case) -> Predicted:
    result = check(case.listing(), case.facts())
    return [(f.code, f.field, f.start, f.end) for f in result.findings]


def print_report(name: str, report: dict[str, Any], size: int = len(CASES)) -> None:
    print(f"\n{name}: {size} listings")
    for code, row in report.items():
        print(
            f"  {code:26} precision {row['precision']:.3f}  recall {row['recall']:.3f}  "
            f"(expected {row['expected']}, false positives {row['false_positives']}, "
            f"missed {row['missed']})"
        )


def test_the_labelled_set_is_large_bilingual_and_covers_every_code_and_verdict():
    assert len(CASES) >= 300
    assert {c.lang for c in CASES} == {"zh", "en"}
    assert {c.verdict for c in CASES} == {"pass", "revise", "block"}
    covered = Counter((code, c.lang) for c in CASES for code, _f, _w in c.expect)
    for code in CODES:
        assert covered[(code, "zh")] and covered[(code, "en")], code


def test_precision_and_recall_per_code_meet_the_targets():
    report = evaluate(checker_predict)
    print_report("listing check", report)
    for code, row in report.items():
        assert row["precision"] >= 0.95, (code, row)
        assert row["recall"] >= 0.90, (code, row)


def test_verdicts_match_the_labels():
    wrong = [
        (c.title, c.description, c.verdict, check(c.listing(), c.facts()).verdict)
        for c in CASES
        if check(c.listing(), c.facts()).verdict != c.verdict
    ]
    assert len(wrong) <= len(CASES) * 0.03, wrong


@pytest.mark.parametrize("case", [c for c in CASES if not c.expect], ids=lambda c: c.title[:30])
def test_no_clean_listing_is_flagged(case):
    assert check(case.listing(), case.facts()).findings == []
