"""Listings kept apart from the labelled set the word lists were built against, to say honestly how
the listing check does on wording it was not written for.

The labelled set (test_listing_check_labelled) measures the check on the phrases its lexicon was
written for, so its figures are a best case. Three more sets, written as a marketplace would word
them, each measured first on unseen text (precision / recall per code):

- HELD_OUT, the second set: other words for the same claims (首选, 唯一, finest, "helps with
  arthritis"), accessories that name a brand, legal products containing a flagged phrase (a
  hidden-camera detector). Unseen: absolute 1.00/0.63, medical 1.00/0.40, prohibited 0.75/0.38,
  counterfeit 0.67/0.77, original price 1.00/1.00. The word lists were then extended with general
  terms and rules (an accessory exception, ASCII word boundaries for brands), not its exact listings.
- FRESH, the third set, written after that. Unseen: absolute 0.83/0.45, medical 1.00/0.00,
  prohibited 1.00/0.43, counterfeit 0.80/0.67, original price 1.00/1.00. The lists were extended
  again (a verb + disease pattern for Chinese medical claims, more verbs and conditions in English).
- UNSEEN, written after that and never used to change anything: absolute 1.00/0.45, medical
  1.00/0.33, prohibited 1.00/0.17, counterfeit 0.75/0.60, original price 1.00/1.00.

So precision holds on new wording but recall does not: a word list finds the claims it lists. The
first two sets now meet the targets as development data; UNSEEN's figures are what to expect, printed
here and by the benchmark, with floors at the measured values so they cannot silently get worse.
"""

from __future__ import annotations

import pytest
from test_listing_check_labelled import (
    ABSOLUTE,
    COUNTERFEIT,
    MEDICAL,
    ORIGINAL_PRICE,
    PROHIBITED,
    Case,
    checker_predict,
    evaluate,
    print_report,
)

A, M, P, C = ABSOLUTE, MEDICAL, PROHIBITED, COUNTERFEIT


def zh(
    title: str,
    category: str,
    price: str,
    *expect: tuple[str, str],
    original: str | None = None,
    inflated: bool = False,
    lang: str = "zh",
) -> Case:
    labels = [(code, "title", words) for code, words in expect]
    if inflated:
        labels.append((ORIGINAL_PRICE, "original_price", f"{original}.00"))
    return Case(title, "", category, price, original_price=original, expect=labels, lang=lang)


def en(title: str, category: str, price: str, *expect: tuple[str, str], **extra: object) -> Case:
    return zh(title, category, price, *expect, lang="en", **extra)  # type: ignore[arg-type]


HELD_OUT = [
    # absolute claims in other words, and time or quantity words that are not claims
    zh("小米同款 充电宝 20000毫安 行业首选", "electronics", "89", (A, "首选")),
    zh("国内唯一获得专利的保温杯", "home", "79", (A, "唯一")),
    zh("顶尖工艺 手工真皮皮带", "apparel", "129", (A, "顶尖")),
    zh("TOP1爆款 网红零食大礼包", "food", "49", (A, "TOP1")),
    zh("极致性价比 无线鼠标", "electronics", "59", (A, "极致")),
    zh("全网最低价 纯棉床上四件套", "home", "159", (A, "全网最")),
    zh("史上最强 扫地机器人", "electronics", "1299", (A, "史上最")),
    zh("本店销量第一的碎花连衣裙", "apparel", "139", (A, "第一")),
    zh("好评率100% 蓝牙音箱", "electronics", "99", (A, "100%")),
    zh("国家级非遗 手工茶具", "home", "299", (A, "国家级")),
    zh("第一次下单立减5元 薰衣草洗衣液", "home", "39"),
    zh("最后三天 清仓 不锈钢保温杯", "home", "45"),
    zh("最近很火的 网红发夹 三件套", "apparel", "19"),
    zh("含棉量100% 儿童纯棉内衣", "apparel", "59"),
    zh("专治各种不服 潮牌T恤", "apparel", "79"),
    zh("孕妇可用 天然无添加 护手霜", "cosmetics", "39"),
    zh("第一代升级版 折叠晾衣架", "home", "69"),
    # efficacy and treatment claims outside medical categories
    zh("睡眠面膜 改善失眠 抗衰老", "cosmetics", "89", (M, "改善失眠")),
    zh("降三高 苦荞茶 300g", "health-food", "59", (M, "降三高")),
    zh("治疗颈椎病 记忆棉按摩枕", "home", "129", (M, "治疗")),
    zh("降血糖 苦瓜片 代用茶", "health-food", "45", (M, "降血糖")),
    zh("根治鼻炎 草本喷雾", "health-food", "68", (M, "根治")),
    zh("减肥神药 一周瘦十斤", "health-food", "99", (M, "神药")),
    zh("蜂蜜柚子茶 本品不能代替药物", "food", "35"),
    zh("糖尿病人可以吃的 无糖饼干", "food", "29"),
    zh("感冒冲剂 治疗风寒感冒", "pharmacy", "15"),
    zh("布洛芬 消炎镇痛", "pharmacy", "22"),
    # prohibited goods, and look-alikes that are legal
    zh("电击棍 防身 女子专用", "home", "129", (P, "电击棍")),
    zh("弩 狩猎 精准 全套", "home", "899", (P, "弩")),
    zh("高清偷拍眼镜 录像", "electronics", "199", (P, "偷拍")),
    zh("代办各类证件 加急", "home", "300", (P, "代办各类证件")),
    zh("迷你小手枪 合金模型 可拆卸", "home", "89", (P, "手枪")),
    zh("出售银行卡 实名", "home", "500", (P, "出售银行卡")),
    zh("象牙白 衬衫 修身款", "apparel", "99"),
    zh("玩具水枪 大容量 儿童", "home", "29"),
    zh("手枪钻 锂电 家用套装", "home", "199"),
    zh("大麻籽油 食用 500ml", "food", "69"),
    # counterfeit signals: counterfeit words, known brands far below their usual price
    zh("LV同款 老花手提包", "bags", "199", (C, "LV")),
    zh("高仿 劳力士 水鬼 机械表", "watches", "800", (C, "高仿"), (C, "劳力士")),
    zh("原单 耐克 气垫运动鞋", "shoes", "99", (C, "原单"), (C, "耐克")),
    zh("五粮液 52度 普五 500ml", "liquor", "299", (C, "五粮液")),
    zh("迪奥 口红 999 正红色", "cosmetics", "39", (C, "迪奥")),
    zh("纯手工 真皮钱包", "bags", "99"),
    zh("华为 Mate60 手机壳 磨砂", "electronics", "29"),
    zh("茅台镇 酱香型白酒 500ml", "liquor", "68"),
    zh("戴森 V12 无线吸尘器", "electronics", "1999"),
    zh("SK-II 小灯泡 精华 30ml", "cosmetics", "499"),
    zh("出售二手手机 华为P40", "electronics", "800"),
    # "original price" claims
    zh("收纳箱 大号 加厚", "home", "99", original="599", inflated=True),
    zh("陶瓷餐具 十件套", "home", "49", original="199", inflated=True),
    zh("纯棉衬衫 修身", "apparel", "129", original="159"),
    zh("机械键盘 青轴", "electronics", "899", original="1299"),
    zh("补水精华液 30ml", "cosmetics", "260", original="320"),
    # English
    en("The #1 rated air fryer", "home", "399", (A, "#1")),
    en("Best-in-class blender, 1200 W", "home", "299", (A, "Best")),
    en("Guaranteed lowest price on the web", "home", "59", (A, "lowest price")),
    en("Perfect gift, finest quality leather wallet", "bags", "199", (A, "finest")),
    en("World's best coffee mug", "home", "39", (A, "best")),
    en("Unbeatable price on cotton towels", "home", "49", (A, "Unbeatable")),
    en("The most comfortable pillow ever made", "home", "99", (A, "most comfortable")),
    en("Premium quality, 100% genuine", "apparel", "99", (A, "100%")),
    en("Best seller badge, cotton socks", "apparel", "19"),
    en("First-class shipping on all orders", "home", "25"),
    en("Our first ever sale on lamps", "home", "89"),
    en("100% cotton bath towel", "home", "45"),
    en("Cures acne in 3 days, tea tree gel", "cosmetics", "59", (M, "Cures acne")),
    en("Reduces anxiety and stress, herbal drops", "health-food", "79", (M, "Reduces anxiety")),
    en("Helps with arthritis joint pain, turmeric", "health-food", "99", (M, "Helps with arthritis")),
    en("Treats insomnia, lavender pillow spray", "home", "49", (M, "Treats insomnia")),
    en("Kills 99.9% of germs, surface spray", "home", "25"),
    en("Herbal tea. Not intended to treat any disease", "food", "29"),
    en("Pain relief cream, relieves arthritis pain", "pharmacy", "35"),
    en("Switchblade knife for sale", "home", "199", (P, "Switchblade")),
    en("Brass knuckles, solid metal", "home", "99", (P, "Brass knuckles")),
    en("Hidden camera detector, anti-spy", "electronics", "129"),
    en("Water gun for pool parties", "home", "29"),
    en("Ivory coloured wedding dress", "apparel", "899"),
    en("Replica Rolex Submariner", "watches", "300", (C, "Replica"), (C, "Rolex")),
    en("Genuine Gucci belt, 100% authentic", "bags", "120", (C, "Gucci"), (A, "100%")),
    en("Nike running shorts", "apparel", "25", (C, "Nike")),
    en("1:1 mirror copy Chanel bag", "bags", "300", (C, "1:1 mirror copy"), (C, "Chanel")),
    en("Apple Watch band, compatible with all sizes", "electronics", "15"),
    en("AirPods case cover, silicone", "electronics", "12"),
    en("Dyson V8 replacement filter", "electronics", "39"),
    en("Storage bins, set of 4", "home", "39", original="199", inflated=True),
    en("Desk lamp", "home", "45", original="60"),
]

# Written after the word lists were last changed, and never used to change them: the unseen figures.
FRESH = [
    zh("行业领导品牌 空气净化器", "electronics", "899", (A, "领导品牌")),
    zh("全球首发 智能手环", "electronics", "199", (A, "全球首发")),
    zh("王牌产品 电热水壶", "home", "89", (A, "王牌")),
    zh("质量最好的 轻薄羽绒服", "apparel", "399", (A, "最好")),
    zh("NO.1 销量 榨汁机", "home", "159", (A, "NO.1")),
    zh("百分百纯天然 补水面膜", "cosmetics", "69", (A, "百分百")),
    zh("绝对舒适 记忆棉枕头", "home", "99", (A, "绝对")),
    zh("第一批 预售 广式月饼", "food", "88"),
    zh("最快明天到 麒麟西瓜", "food", "39"),
    zh("万能遥控器 适用于各种空调", "electronics", "19"),
    zh("调节血压 黑枸杞 250g", "health-food", "79", (M, "调节血压")),
    zh("抗肿瘤 灵芝孢子粉", "health-food", "299", (M, "抗肿瘤")),
    zh("治脱发 生姜洗发水", "cosmetics", "59", (M, "治脱发")),
    zh("预防近视 护眼台灯", "home", "159", (M, "预防近视")),
    zh("美白淡斑 精华液 30ml", "cosmetics", "199"),
    zh("消炎药膏 10g", "pharmacy", "18"),
    zh("迷情水 夜店专用", "health-food", "99", (P, "迷情水")),
    zh("仿真手枪 水弹 全自动", "home", "159", (P, "仿真手枪")),
    zh("管制刀具 开山刀", "home", "129", (P, "管制刀具")),
    zh("野生穿山甲 鳞片", "health-food", "599", (P, "穿山甲")),
    zh("K粉 批发", "health-food", "300", (P, "K粉")),
    zh("手工木弓 射箭入门", "home", "259"),
    zh("复刻版 卡地亚 手镯", "watches", "199", (C, "复刻版"), (C, "卡地亚")),
    zh("正品 香奈儿 5号香水 100ml", "cosmetics", "59", (C, "香奈儿")),
    zh("香奈儿风 小香风外套", "apparel", "199"),
    zh("耐克 鞋带 替换 一对", "shoes", "9"),
    zh("华为手机 原装充电器", "electronics", "49"),
    zh("电饭煲 4L 智能预约", "home", "199", original="999", inflated=True),
    en("The greatest gift of all time", "home", "59", (A, "greatest")),
    en("Voted best mattress of the year", "home", "1999", (A, "best")),
    en("Second to none craftsmanship", "bags", "899", (A, "Second to none")),
    en("Top-notch sound quality headphones", "electronics", "299", (A, "Top-notch")),
    en("Best before 2025-06, wildflower honey", "food", "39"),
    en("Treat your dog to chicken chews", "food", "29"),
    en("Heals cuts and scrapes, aloe gel", "cosmetics", "35", (M, "Heals cuts")),
    en("Lowers cholesterol naturally, oat fibre", "health-food", "69", (M, "Lowers cholesterol")),
    en("Protects against COVID-19, nasal balm", "health-food", "49", (M, "Protects against COVID-19")),
    en("Taser for self-defense", "home", "299", (P, "Taser")),
    en("Tiger bone wine, aged", "liquor", "999", (P, "Tiger bone")),
    en("Knockoff Yeezy sneakers", "shoes", "199", (C, "Knockoff")),
    en("Louis Vuitton Speedy 30", "bags", "450", (C, "Louis Vuitton")),
    en("Rolex watch box, display case", "watches", "80"),
    en("Vintage Omega Seamaster, serviced", "watches", "9800"),
    en("Gucci-inspired slides", "apparel", "35"),
    en("Canada Goose parka, authentic", "apparel", "199", (C, "Canada Goose")),
    en("Bath towels, set of 2", "home", "20", original="129", inflated=True),
    en("Electric kettle", "home", "89", original="109"),
]

# Written after FRESH had been used to extend the word lists, and never used to change them: the
# unseen figures the report quotes.
UNSEEN = [
    zh("业界标杆 智能门锁", "electronics", "1299", (A, "业界标杆")),
    zh("全国销量领先 电动牙刷", "electronics", "199", (A, "全国销量领先")),
    zh("最具性价比的 投影仪", "electronics", "899", (A, "最具性价比")),
    zh("顶级配置 游戏本", "electronics", "6999", (A, "顶级")),
    zh("零风险 无效退款 减肥茶", "health-food", "99", (A, "零风险")),
    zh("第一名品牌 奶粉", "food", "299", (A, "第一")),
    zh("首单立减 10 元 洗碗机", "home", "2999"),
    zh("最新到货 秋冬款 毛衣", "apparel", "159"),
    zh("三天最快发货 拖鞋", "shoes", "29"),
    zh("第一眼就爱上 陶瓷杯", "home", "49"),
    zh("100%桑蚕丝 睡衣", "apparel", "399"),
    zh("根除幽门螺杆菌 益生菌", "health-food", "199", (M, "根除幽门螺杆菌")),
    zh("降尿酸 菊苣栀子茶", "health-food", "69", (M, "降尿酸")),
    zh("治疗痔疮 草本坐浴包", "health-food", "59", (M, "治疗")),
    zh("抗衰老 玻尿酸面霜", "cosmetics", "199"),
    zh("补钙 高钙奶粉 中老年", "food", "89"),
    zh("杀菌率99% 洗衣液", "home", "39"),
    zh("防弹衣 警用级", "apparel", "1999", (P, "防弹衣")),
    zh("信号屏蔽器 考场专用", "electronics", "399", (P, "信号屏蔽器")),
    zh("野生熊胆粉", "health-food", "999", (P, "熊胆")),
    zh("催泪喷雾 防狼", "home", "59", (P, "催泪喷雾")),
    zh("玩具弓箭 儿童吸盘", "home", "29"),
    zh("狼牙棒 健身 按摩", "home", "39"),
    zh("莆田 纯原 阿迪达斯 椰子鞋", "shoes", "199", (C, "纯原"), (C, "阿迪达斯")),
    zh("大牌平替 斜挎包", "bags", "89"),
    zh("欧米茄 海马 男表", "watches", "1299", (C, "欧米茄")),
    zh("兰蔻 小黑瓶 100ml", "cosmetics", "59", (C, "兰蔻")),
    zh("苹果 数据线 1米", "electronics", "19"),
    zh("周大福 黄金手链 5g", "watches", "2999"),
    zh("加湿器 大容量", "home", "69", original="399", inflated=True),
    zh("真丝枕套", "home", "129", original="169"),
    en("Industry-leading noise cancelling", "electronics", "1299", (A, "Industry-leading")),
    en("The only charger you will ever need", "electronics", "99", (A, "The only charger")),
    en("Best value blender on the market", "home", "199", (A, "Best")),
    en("Top rated by 10,000 buyers", "home", "59", (A, "Top rated")),
    en("Guaranteed results or your money back", "cosmetics", "99"),
    en("Best by date printed on lid", "food", "15"),
    en("Number 1 size fits most", "apparel", "29"),
    en("Detoxifies your liver and kidneys", "health-food", "69", (M, "Detoxifies your liver")),
    en("Stops hair loss in 2 weeks", "cosmetics", "89", (M, "Stops hair loss")),
    en("Relieves cold and flu symptoms", "health-food", "39", (M, "Relieves cold and flu")),
    en("Soothes dry skin, shea butter", "cosmetics", "29"),
    en("Supports healthy digestion", "health-food", "49"),
    en("Butterfly knife, sharp", "home", "99", (P, "Butterfly knife")),
    en("Bulletproof vest level IIIA", "apparel", "1999", (P, "Bulletproof vest")),
    en("Lock pick set for locked doors", "home", "199"),
    en("Toy bow and arrow set", "home", "39"),
    en("Supreme box logo hoodie, inspired", "apparel", "59"),
    en("Ray-Ban aviators, 100% authentic", "apparel", "20", (A, "100%")),
    en("Apple AirPods Pro 2", "electronics", "150", (C, "Apple")),
    en("Samsung charger cable", "electronics", "12"),
    en("Space heater", "home", "60", original="300", inflated=True),
    en("Wool blanket", "home", "120", original="150"),
]

# FRESH after it was used to extend the word lists (the two brand cases are judged by price only).
FRESH_FLOOR = {
    ABSOLUTE: (0.95, 0.90),
    MEDICAL: (0.95, 0.90),
    PROHIBITED: (0.95, 0.90),
    COUNTERFEIT: (0.95, 0.66),
    ORIGINAL_PRICE: (0.95, 0.90),
}
# UNSEEN as measured (precision, recall): the honest figures, kept as regression floors.
UNSEEN_FLOOR = {
    ABSOLUTE: (1.0, 0.45),
    MEDICAL: (1.0, 0.33),
    PROHIBITED: (1.0, 0.16),
    COUNTERFEIT: (0.75, 0.6),
    ORIGINAL_PRICE: (1.0, 1.0),
}


@pytest.mark.parametrize("cases", [HELD_OUT, FRESH, UNSEEN], ids=["second", "third", "unseen"])
def test_the_sets_are_bilingual_and_cover_every_code(cases):
    assert {c.lang for c in cases} == {"zh", "en"}
    assert {code for c in cases for code, _f, _w in c.expect} == set(UNSEEN_FLOOR)
    assert sum(1 for c in cases if not c.expect) >= 15


def test_the_second_set_now_meets_the_targets():
    report = evaluate(checker_predict, HELD_OUT)
    print_report("listing check, second set (used to extend the word lists)", report, len(HELD_OUT))
    for code, row in report.items():
        assert row["precision"] >= 0.95 and row["recall"] >= 0.90, (code, row)


@pytest.mark.parametrize(
    ("name", "cases", "floor"),
    [("third set (used to extend the word lists)", FRESH, FRESH_FLOOR), ("unseen set", UNSEEN, UNSEEN_FLOOR)],
    ids=["third", "unseen"],
)
def test_precision_and_recall_are_reported_and_do_not_regress(name, cases, floor):
    report = evaluate(checker_predict, cases)
    print_report(f"listing check, {name}", report, len(cases))
    for code, (precision, recall) in floor.items():
        assert report[code]["precision"] >= precision, (code, report[code])
        assert report[code]["recall"] >= recall, (code, report[code])
