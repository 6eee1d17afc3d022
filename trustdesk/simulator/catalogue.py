"""What the simulated marketplace sells: categories with their after-sales rules, brands and products.

Titles and descriptions are in Chinese for domestic shops and in English for cross-border ones. Normal
listings make no absolute or medical claims; listings that break the advertising rules belong to the
compliance scenario, not here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    zh: str
    en: str
    low: float
    high: float
    variants: tuple[tuple[str, str], ...]
    detail_zh: str
    detail_en: str
    # Books carry their publisher and periodicals their own title, not the shop's brand.
    brand: tuple[str, str] | None = None


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_en: str
    name_zh: str
    share: float  # of merchants whose main category this is
    deposit: int
    brands: tuple[tuple[str, str], ...]
    products: tuple[Product, ...]
    no_reason_return: bool = True
    warranty_days: int = 0
    requires_qualification: str = ""
    max_quantity: int = 2
    ship_hours: float = 20.0  # median from payment to hand-over to the carrier
    transit_days: float = 2.0  # median time with the carrier
    note_zh: str = "支持七天无理由退换货，请保持商品完好、配件齐全。"
    note_en: str = "Seven-day no-reason returns: please keep the item unused with all its parts."


def P(
    zh: str,
    en: str,
    low: float,
    high: float,
    variants: tuple[tuple[str, str], ...],
    detail: tuple[str, str],
    brand: tuple[str, str] | None = None,
) -> Product:
    return Product(zh, en, low, high, variants, detail[0], detail[1], brand)


_COLOURS = (("黑色", "Black"), ("白色", "White"), ("星空灰", "Space Grey"), ("雾蓝", "Mist Blue"))
_SIZES = (("S码", "Size S"), ("M码", "Size M"), ("L码", "Size L"), ("XL码", "Size XL"))

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "apparel", "Apparel, shoes and bags", "服饰鞋包", 0.18, 5000,
        (("织语", "Zhiyu"), ("棉知道", "Cotton Know"), ("南山布衣", "Nanshan Linen"),
         ("栖木", "Qimu"), ("初禾", "Chuhe"), ("布里小镇", "Bree Town")),
        (
            P("纯棉圆领短袖T恤", "Cotton Crew-Neck T-Shirt", 39, 129,
              (("男款 宽松", "Men's, loose fit"), ("女款 修身", "Women's, slim fit"), *_SIZES),
              ("新疆长绒棉，亲肤透气，多次洗涤不易变形。",
               "Long-staple Xinjiang cotton that breathes and keeps its shape wash after wash.")),
            P("加厚连帽卫衣", "Fleece-Lined Hoodie", 99, 299, (*_COLOURS, *_SIZES),
              ("内里磨毛加厚，秋冬保暖，落肩版型。",
               "Brushed fleece lining for autumn and winter, relaxed drop-shoulder cut.")),
            P("高腰直筒牛仔裤", "High-Rise Straight Jeans", 129, 359,
              (("浅蓝", "Light wash"), ("深蓝", "Dark wash"), ("26码", "W26"), ("28码", "W28")),
              ("微弹面料，显瘦直筒，九分长度。", "Slight stretch, straight leg, ankle length.")),
            P("轻薄羽绒服", "Lightweight Down Jacket", 299, 899,
              (("90%白鸭绒 黑色", "90% white duck down, Black"), ("可收纳 藏青", "Packable, Navy")),
              ("蓬松度 650+，可收纳进随附小袋，出行方便。",
               "650+ fill power; packs into its own pouch for travel.")),
            P("真丝连衣裙", "Mulberry Silk Midi Dress", 259, 799,
              (("碎花 S", "Floral print, S"), ("纯色 M", "Solid, M"), ("复古绿 L", "Vintage green, L")),
              ("19 姆米桑蚕丝，垂感好，建议手洗或干洗。",
               "19-momme mulberry silk with a soft drape; hand wash or dry clean.")),
            P("羊毛针织开衫", "Wool-Blend Knit Cardigan", 159, 459, (*_COLOURS[:2], *_SIZES[1:3]),
              ("含 30% 羊毛，柔软不扎，V 领设计。", "30% wool, soft against the skin, V-neck.")),
            P("帆布单肩包", "Canvas Tote Bag", 49, 159,
              (("米白", "Off-white"), ("卡其", "Khaki"), ("大号", "Large")),
              ("加厚帆布，内置拉链袋，可放 14 寸笔记本。",
               "Heavy canvas with an inner zip pocket; fits a 14-inch laptop.")),
        ),
    ),
    CategorySpec(
        "electronics", "Electronics and appliances", "数码家电", 0.12, 20000,
        (("声浪", "SoundWave"), ("极光", "Aurora"), ("倍思", "Baseus"), ("绿联", "UGREEN"),
         ("小米", "Xiaomi"), ("安克", "Anker")),
        (
            P("真无线蓝牙耳机 主动降噪", "True Wireless Earbuds with Active Noise Cancelling",
              129, 899, _COLOURS[:3],
              ("蓝牙 5.3，单次续航 7 小时，配合充电盒约 30 小时。",
               "Bluetooth 5.3, 7 hours per charge and about 30 with the case.")),
            P("65W 氮化镓快充充电器", "65 W GaN Fast Charger", 69, 199,
              (("双 C 口", "2 × USB-C"), ("2C1A", "2 × USB-C + USB-A")),
              ("支持 PD 3.0 协议，可为笔记本和手机同时充电。",
               "PD 3.0; charges a laptop and a phone at the same time.")),
            P("20000mAh 移动电源", "20,000 mAh Power Bank", 89, 259, _COLOURS[:2],
              ("可带上飞机，支持 22.5W 快充。", "Flight-safe capacity, 22.5 W fast charging.")),
            P("智能手表 心率血氧监测", "Smartwatch with Heart-Rate and SpO2 Tracking", 299, 1499,
              (("42mm 黑色", "42 mm, Black"), ("46mm 银色", "46 mm, Silver")),
              ("支持 100+ 运动模式，续航约 10 天。本产品非医疗器械。",
               "100+ sport modes, about 10 days per charge. Not a medical device.")),
            P("87键机械键盘", "87-Key Mechanical Keyboard", 199, 699,
              (("红轴", "Red switches"), ("茶轴", "Brown switches"), ("三模无线", "Tri-mode wireless")),
              ("热插拔轴座，PBT 键帽，有线/蓝牙/2.4G 三模。",
               "Hot-swappable switches, PBT keycaps, wired/Bluetooth/2.4 GHz.")),
            P("便携蓝牙音箱", "Portable Bluetooth Speaker", 99, 499, _COLOURS,
              ("IPX7 防水，户外露营可用。", "IPX7 waterproof, made for camping trips.")),
            P("扫地机器人 扫拖一体", "Robot Vacuum and Mop", 999, 2999,
              (("标准版", "Standard"), ("自动集尘版", "With self-emptying dock")),
              ("激光导航，APP 划区清扫。", "Laser navigation and room-by-room cleaning in the app.")),
        ),
        warranty_days=365,
        max_quantity=1,
        note_zh="支持七天无理由退货；非人为损坏一年内免费保修，凭订单号联系客服。",
        note_en="Seven-day returns; one-year warranty against defects, quote your order number.",
    ),
    CategorySpec(
        "fresh-food", "Fresh food and groceries", "生鲜食品", 0.12, 10000,
        (("果园优选", "Orchard Pick"), ("鲜到家", "FreshHome"), ("渔家码头", "Fisher's Wharf"),
         ("北纬农场", "North Latitude Farm")),
        (
            P("烟台红富士苹果", "Yantai Fuji Apples", 39, 89,
              (("5斤装 中果", "2.5 kg, medium"), ("10斤装 大果", "5 kg, large")),
              ("产地直发，脆甜多汁，单果 75-85mm。",
               "Shipped from the orchard; crisp and juicy, 75–85 mm each.")),
            P("赣南脐橙", "Gannan Navel Oranges", 35, 79,
              (("5斤装", "2.5 kg"), ("9斤装 礼盒", "4.5 kg gift box")),
              ("现摘现发，果皮薄，可能有自然斑点。",
               "Picked to order; thin peel, natural blemishes are normal.")),
            P("阳澄湖大闸蟹 礼盒", "Yangcheng Lake Hairy Crab Gift Box", 199, 699,
              (("公 4.0两 母 3.0两 4对", "4 pairs, 200 g/150 g"), ("8只装", "8 crabs")),
              ("顺丰冷链配送，到货死蟹包赔。",
               "Cold-chain delivery; any crab that arrives dead is refunded.")),
            P("内蒙古原切牛腱子", "Inner Mongolia Beef Shank, Whole Cut", 89, 199,
              (("1kg", "1 kg"), ("2kg 家庭装", "2 kg family pack")),
              ("原切无拼接，冷冻保存。", "Whole-cut, never reformed; keep frozen.")),
            P("五常稻花香大米", "Wuchang Daohuaxiang Rice", 49, 129,
              (("5kg", "5 kg"), ("10kg", "10 kg")),
              ("当季新米，真空包装。", "This season's harvest, vacuum packed.")),
            P("舟山冷冻带鱼段", "Zhoushan Frozen Hairtail Steaks", 59, 139,
              (("1.5kg", "1.5 kg"), ("2.5kg", "2.5 kg")),
              ("船冻锁鲜，去头去尾。", "Frozen at sea, heads and tails removed.")),
            P("西湖龙井 明前新茶", "West Lake Longjing Green Tea, Spring Harvest", 168, 598,
              (("125g 罐装", "125 g tin"), ("250g 礼盒", "250 g gift box")),
              ("核心产区，手工炒制。", "From the core growing area, hand-roasted.")),
        ),
        no_reason_return=False,
        requires_qualification="food_business_licence",
        max_quantity=3,
        ship_hours=10.0,
        transit_days=1.2,
        note_zh="生鲜易腐商品，签收后不支持七天无理由退货；如有坏果、破损请于 48 小时内拍照联系客服。",
        note_en="Perishable: no seven-day returns after delivery. Report spoiled or damaged goods "
        "with photos within 48 hours.",
    ),
    CategorySpec(
        "cosmetics", "Cosmetics and personal care", "美妆个护", 0.10, 10000,
        (("花间集", "Huajianji"), ("珀莱雅", "PROYA"), ("完美日记", "Perfect Diary"),
         ("植秀", "Botanic Show"), ("薇诺娜", "Winona")),
        (
            P("玻尿酸保湿精华液", "Hyaluronic Acid Hydrating Serum", 99, 399,
              (("30ml", "30 ml"), ("50ml", "50 ml")),
              ("质地清爽，适合混合肌日常使用。", "Light texture for everyday use on combination skin.")),
            P("氨基酸洁面乳", "Amino-Acid Facial Cleanser", 39, 129,
              (("120g", "120 g"), ("两支装", "Twin pack")),
              ("温和弱酸性配方，洗后不紧绷。", "Mild, slightly acidic; skin does not feel tight.")),
            P("清透防晒霜 SPF50+ PA++++", "Sheer Sunscreen SPF50+ PA++++", 69, 259,
              (("50ml", "50 ml"), ("户外款 60ml", "Outdoor, 60 ml")),
              ("轻薄不泛白，需用卸妆产品清洁。", "No white cast; remove with a cleanser.")),
            P("丝绒哑光口红", "Velvet Matte Lipstick", 89, 329,
              (("#01 正红", "#01 True red"), ("#05 豆沙", "#05 Rose nude"), ("#12 枫叶棕", "#12 Maple")),
              ("持妆不拔干，附赠小样。", "Long-wearing without drying; sample included.")),
            P("修护洗发水", "Repair Shampoo", 49, 149, (("500ml", "500 ml"), ("750ml", "750 ml")),
              ("无硅油配方，适合烫染受损发质。", "Silicone-free, for coloured or permed hair.")),
            P("烟酰胺身体乳", "Niacinamide Body Lotion", 49, 169, (("250ml", "250 ml"), ("400ml", "400 ml")),
              ("滋润不黏腻，淡淡花香。", "Moisturising, not sticky, lightly floral.")),
        ),
        note_zh="未拆封商品支持七天无理由退货；已拆封使用、影响二次销售的不予退货。",
        note_en="Unopened items can be returned within seven days; opened, used items cannot.",
    ),
    CategorySpec(
        "home", "Home and kitchen", "家居日用", 0.12, 5000,
        (("木语家居", "Muyu Home"), ("简居", "Simple Living"), ("苏泊尔", "SUPOR"),
         ("乐扣乐扣", "LocknLock"), ("素野", "Suye")),
        (
            P("纯棉床品四件套", "4-Piece Cotton Bedding Set", 199, 699,
              (("1.5m床", "Double"), ("1.8m床", "King"), ("灰白条纹", "Grey stripe")),
              ("60 支长绒棉，A 类标准，可直接贴身。",
               "60s long-staple cotton, class A for direct skin contact.")),
            P("记忆棉枕头", "Memory Foam Pillow", 89, 299,
              (("单只装", "Single"), ("一对装", "Pair")),
              ("慢回弹护颈设计，枕套可拆洗。", "Slow-rebound, neck-supporting, washable cover.")),
            P("不锈钢保温杯 500ml", "500 ml Stainless-Steel Insulated Bottle", 59, 199, _COLOURS,
              ("316 不锈钢内胆，保温 12 小时。", "316 stainless steel, keeps hot for 12 hours.")),
            P("不粘炒锅 32cm", "32 cm Non-Stick Wok", 129, 459,
              (("带锅盖", "With lid"), ("燃气电磁通用", "Gas and induction")),
              ("少油烟，燃气灶与电磁炉通用。", "Low smoke; works on gas and induction.")),
            P("收纳箱 三件套", "Storage Boxes, Set of 3", 39, 129,
              (("透明", "Clear"), ("奶白", "Cream")),
              ("可叠放，带滑轮。", "Stackable, with castors.")),
            P("香薰蜡烛", "Scented Candle", 49, 169,
              (("白茶", "White tea"), ("雪松", "Cedar"), ("无花果", "Fig")),
              ("大豆蜡，燃烧约 40 小时。", "Soy wax, about 40 hours of burn time.")),
            P("加厚珊瑚绒毛毯", "Thick Coral-Fleece Blanket", 79, 239,
              (("150×200cm", "150 × 200 cm"), ("200×230cm", "200 × 230 cm")),
              ("不掉毛不起球，可机洗。", "No shedding or pilling; machine washable.")),
        ),
    ),
    CategorySpec(
        "books", "Books and periodicals", "图书期刊", 0.06, 5000,
        (("新华书店", "Xinhua Bookstore"), ("文轩", "Winshare"), ("博库", "Bookuu")),
        (
            P("《三体》全集", "The Three-Body Problem Trilogy", 69, 139,
              (("平装 3册", "Paperback, 3 volumes"), ("典藏版", "Collector's edition")),
              ("刘慈欣著，雨果奖获奖作品。", "By Liu Cixin, winner of the Hugo Award."),
              brand=("重庆出版社", "Chongqing Publishing House")),
            P("《人类简史》", "Sapiens: A Brief History of Humankind", 49, 79,
              (("平装", "Paperback"), ("精装", "Hardcover")),
              ("尤瓦尔·赫拉利著，林俊宏译。", "By Yuval Noah Harari, Chinese translation."),
              brand=("中信出版社", "CITIC Press")),
            P("《小王子》彩绘版", "The Little Prince, Illustrated", 29, 59,
              (("中文版", "Chinese edition"), ("中英双语", "Bilingual")),
              ("附原版水彩插图。", "With the original watercolour illustrations."),
              brand=("人民文学出版社", "People's Literature Publishing House")),
            P("《百年孤独》", "One Hundred Years of Solitude", 39, 69,
              (("精装", "Hardcover"), ("纪念版", "Anniversary edition")),
              ("加西亚·马尔克斯著，范晔译。", "By Gabriel García Márquez."),
              brand=("南海出版公司", "Nanhai Publishing")),
            P("《读者》全年订阅", "Duzhe (Reader) Magazine, Annual Subscription", 120, 198,
              (("2027年 24期", "2027, 24 issues"),),
              ("每月两期，邮局配送。", "Two issues a month, delivered by post."),
              brand=("读者出版集团", "Duzhe Publishing Group")),
            P("《三联生活周刊》单期", "Sanlian Lifeweek, Single Issue", 15, 20,
              (("最新一期", "Latest issue"),),
              ("现刊，当周发货。", "Current issue, ships this week."),
              brand=("三联生活周刊", "Sanlian Lifeweek")),
        ),
        no_reason_return=False,
        max_quantity=2,
        note_zh="报纸、期刊及已拆封图书不支持七天无理由退货；印装质量问题可换新。",
        note_en="Newspapers, periodicals and opened books cannot be returned without reason; "
        "misprints are replaced.",
    ),
    CategorySpec(
        "baby", "Mother and baby", "母婴用品", 0.08, 10000,
        (("贝贝熊", "Bebe Bear"), ("帮宝适", "Pampers"), ("好孩子", "Goodbaby"),
         ("小象妈妈", "Mama Elephant")),
        (
            P("婴儿纸尿裤", "Baby Diapers", 89, 239,
              (("NB码 84片", "Newborn, 84 count"), ("M码 58片", "Size M, 58 count"),
               ("L码 46片", "Size L, 46 count"), ("XL码 40片", "Size XL, 40 count")),
              ("超薄透气，整夜干爽。", "Thin and breathable, dry through the night.")),
            P("宝宝湿巾 80抽×10包", "Baby Wipes, 10 × 80 Sheets", 39, 79,
              (("有盖", "With lid"), ("手口专用", "Hand and mouth")),
              ("EDI 纯水，无酒精无香精。", "Purified water, no alcohol, no fragrance.")),
            P("儿童安全座椅", "Child Car Seat", 599, 1999,
              (("0-4岁", "0–4 years"), ("9个月-12岁", "9 months–12 years")),
              ("ISOFIX 硬接口，通过 3C 认证。", "ISOFIX anchors, CCC certified.")),
            P("婴儿推车 可坐可躺", "Reclining Baby Stroller", 399, 1599,
              (("轻便款", "Lightweight"), ("高景观款", "High seat")),
              ("一键收车，可登机。", "One-hand fold, cabin-size.")),
            P("硅胶辅食碗 吸盘款", "Silicone Suction Feeding Bowl", 29, 89,
              (("粉色", "Pink"), ("牛油果绿", "Avocado green")),
              ("食品级硅胶，可微波加热。", "Food-grade silicone, microwave safe.")),
        ),
        max_quantity=3,
    ),
    CategorySpec(
        "sports", "Sports and outdoors", "运动户外", 0.08, 5000,
        (("李宁", "Li-Ning"), ("安踏", "ANTA"), ("凯乐石", "Kailas"), ("野行者", "Wild Walker"),
         ("跃动", "Leap")),
        (
            P("透气跑步鞋", "Breathable Running Shoes", 199, 799,
              (("男 42码", "Men's EU 42"), ("女 37码", "Women's EU 37"), ("白绿", "White/green")),
              ("回弹中底，网面鞋面。", "Responsive midsole, engineered mesh upper.")),
            P("加厚防滑瑜伽垫", "Thick Non-Slip Yoga Mat", 59, 199,
              (("6mm", "6 mm"), ("10mm", "10 mm")),
              ("TPE 材质，双面防滑，附绑带。", "TPE, grippy on both sides, strap included.")),
            P("速干运动T恤", "Quick-Dry Training Tee", 59, 179, (*_COLOURS[:2], *_SIZES[1:]),
              ("吸湿排汗，适合跑步健身。", "Wicks sweat; for running and the gym.")),
            P("登山徒步双肩包 30L", "30 L Hiking Backpack", 149, 499,
              (("黑色", "Black"), ("橄榄绿", "Olive")),
              ("背负系统透气，附防雨罩。", "Ventilated back panel, rain cover included.")),
            P("可调节哑铃", "Adjustable Dumbbells", 199, 899,
              (("10kg×2", "2 × 10 kg"), ("20kg×2", "2 × 20 kg")),
              ("旋钮快速调节重量。", "Dial to change the weight in seconds.")),
            P("全碳素羽毛球拍", "Carbon Badminton Racket", 129, 599,
              (("4U 已穿线", "4U, strung"), ("3U 空拍", "3U, unstrung")),
              ("高模量碳纤维，进攻型。", "High-modulus carbon, head-heavy for attack.")),
        ),
    ),
    CategorySpec(
        "digital-downloads", "Digital downloads and courses", "数字内容", 0.05, 2000,
        (("知行学堂", "Zhixing Academy"), ("墨点设计", "Inkdot Design"), ("声律工作室", "Cadence Studio")),
        (
            P("摄影后期修图视频课程", "Photo Editing Video Course", 49, 299,
              (("基础班", "Beginner"), ("进阶班", "Advanced")),
              ("32 节高清视频，永久回看。", "32 HD lessons with lifetime access.")),
            P("Python 数据分析入门 电子书", "Python for Data Analysis, e-book", 29, 99,
              (("PDF+EPUB", "PDF + EPUB"),),
              ("含配套代码与数据集。", "Code and data sets included.")),
            P("原创钢琴曲谱 PDF", "Original Piano Sheet Music (PDF)", 9.9, 39,
              (("单曲", "Single piece"), ("合集 20首", "Collection of 20")),
              ("五线谱与简谱双版本。", "Staff and numbered notation.")),
            P("简历模板 Word版", "Résumé Templates for Word", 9.9, 29,
              (("30套", "30 templates"), ("100套", "100 templates")),
              ("可直接编辑，附填写指南。", "Editable, with a guide to filling them in.")),
            P("雅思口语课程", "IELTS Speaking Course", 199, 699,
              (("30天冲刺", "30-day sprint"), ("全程班", "Full course")),
              ("直播加录播，赠模考一次。", "Live and recorded lessons plus a mock test.")),
            P("4K 手机壁纸合集", "4K Phone Wallpaper Pack", 3.9, 19,
              (("风景", "Landscapes"), ("插画", "Illustrations")),
              ("每月更新。", "Updated monthly.")),
        ),
        no_reason_return=False,
        max_quantity=1,
        ship_hours=0.05,
        transit_days=0.0,
        note_zh="虚拟商品，付款后自动发送下载链接，一经发送不支持七天无理由退款。",
        note_en="Digital goods: the download link is sent on payment and cannot be returned "
        "without reason.",
    ),
    CategorySpec(
        "custom-made", "Custom-made goods", "定制商品", 0.09, 3000,
        (("匠心工坊", "Artisan Workshop"), ("刻意", "Engrave It"), ("拾光定制", "Time Keeper Custom")),
        (
            P("定制刻字保温杯", "Engraved Insulated Bottle", 69, 159,
              (("刻字", "Engraved text"), ("刻字+图案", "Text and logo")),
              ("激光雕刻，下单后请备注刻字内容。", "Laser engraved: add your text in the order note.")),
            P("定制照片水晶摆件", "Custom Photo Crystal", 89, 299,
              (("10cm", "10 cm"), ("15cm 带灯座", "15 cm with light base")),
              ("内雕工艺，请上传清晰照片。", "Engraved inside the crystal; upload a sharp photo.")),
            P("手工真皮钱包 刻名", "Handmade Leather Wallet with Name", 159, 499,
              (("短款", "Bifold"), ("长款", "Long")),
              ("头层牛皮，手工缝线。", "Full-grain leather, hand-stitched.")),
            P("定制团体文化衫", "Custom Team T-Shirts", 29, 69,
              (("单面印", "Front print"), ("双面印", "Front and back")),
              ("10 件起印，提供设计稿确认。", "From 10 pieces; you approve the proof first.")),
            P("定制手绘头像", "Hand-Drawn Custom Portrait", 59, 299,
              (("单人", "One person"), ("双人", "Two people")),
              ("原创手绘，电子档加装裱可选。", "Original drawing, digital file or framed.")),
        ),
        no_reason_return=False,
        max_quantity=12,
        ship_hours=110.0,
        note_zh="定制商品按您的要求制作，一经制作不支持七天无理由退换；质量问题包退换。",
        note_en="Made to your order, so no seven-day returns; faulty items are replaced.",
    ),
)  # fmt: skip

BY_CODE = {c.code: c for c in CATEGORIES}
# Brands that exist outside this simulation: shops selling them are resellers, never the flagship.
REAL_BRANDS = {
    "Baseus", "UGREEN", "Xiaomi", "Anker", "PROYA", "Perfect Diary", "Winona", "SUPOR", "LocknLock",
    "Pampers", "Goodbaby", "Li-Ning", "ANTA", "Kailas", "Xinhua Bookstore", "Winshare", "Bookuu",
}  # fmt: skip


def charm_price(rng: random.Random, value: float) -> Decimal:
    """A price as shops set them: 39.90, 59.00, 129.00, 199.00, 1299.00."""
    if value < 10:
        return Decimal(f"{max(1, round(value)) - 0.1:.2f}")
    if value < 100:
        whole = round(value)
        return Decimal(f"{whole - 0.1:.2f}") if rng.random() < 0.5 else Decimal(f"{whole}.00")
    tens = round(value / 10) * 10
    return Decimal(f"{tens - 1}.00")


def listing_text(
    rng: random.Random, spec: CategorySpec, brand: tuple[str, str], english: bool
) -> tuple[str, str, str, Product]:
    """Title, description and brand of one listing, and the product it is."""
    product = rng.choice(spec.products)
    brand_zh, brand_en = product.brand or brand
    variant_zh, variant_en = rng.choice(product.variants)
    if english:
        title = f"{brand_en} {product.en}, {variant_en}"
        description = f"{product.detail_en} {spec.note_en}"
        return title, description, brand_en, product
    title = f"{brand_zh} {product.zh} {variant_zh}"
    description = f"{product.detail_zh}{spec.note_zh}"
    return title, description, brand_zh, product
