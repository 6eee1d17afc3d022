"""Believable Chinese people and companies: names, mobile numbers, addresses and legal identities.

Identities are well formed, not just checksummed: real county-level division codes, real birth dates
of adults, the sex digit matching the name, and a USCC whose organisation code carries its own
GB 11714 check character.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from trustdesk.merchants.identity import rid_check_char, uscc_check_char


@dataclass(frozen=True)
class Region:
    code: str
    province: str
    city: str
    district: str
    streets: tuple[str, ...]

    @property
    def prefix(self) -> str:
        # Municipalities are their own province: 北京市朝阳区, not 北京市北京市朝阳区.
        if self.province == self.city:
            return f"{self.city}{self.district}"
        return f"{self.province}{self.city}{self.district}"


# Streets nearly every Chinese city has, mixed in with the local ones.
_COMMON_STREETS = ("人民路", "解放路")

REGIONS = (
    Region("110105", "北京市", "北京市", "朝阳区", ("建国路", "朝阳北路", "望京街", "酒仙桥路")),
    Region("110108", "北京市", "北京市", "海淀区", ("中关村大街", "学院路", "知春路", "清河中街")),
    Region("310104", "上海市", "上海市", "徐汇区", ("漕溪北路", "虹桥路", "天钥桥路", "田林路")),
    Region("310115", "上海市", "上海市", "浦东新区", ("世纪大道", "张江路", "杨高南路", "锦绣路")),
    Region("120101", "天津市", "天津市", "和平区", ("南京路", "营口道", "成都道")),
    Region("500105", "重庆市", "重庆市", "江北区", ("建新北路", "北城天街", "洋河路")),
    Region("330106", "浙江省", "杭州市", "西湖区", ("文三路", "教工路", "天目山路", "古墩路")),
    Region("330110", "浙江省", "杭州市", "余杭区", ("文一西路", "五常大道", "良睦路")),
    Region("330102", "浙江省", "杭州市", "上城区", ("解放路", "庆春路", "钱江路")),
    Region("330782", "浙江省", "金华市", "义乌市", ("稠州北路", "宾王路", "城中中路")),
    Region("330203", "浙江省", "宁波市", "海曙区", ("中山西路", "药行街", "解放南路")),
    Region("440305", "广东省", "深圳市", "南山区", ("深南大道", "南海大道", "科苑路", "后海大道")),
    Region("440304", "广东省", "深圳市", "福田区", ("福华路", "深南中路", "益田路", "彩田路")),
    Region("440106", "广东省", "广州市", "天河区", ("天河路", "体育西路", "珠江新城华夏路")),
    Region("440104", "广东省", "广州市", "越秀区", ("北京路", "中山五路", "东风中路")),
    Region("440604", "广东省", "佛山市", "禅城区", ("季华五路", "汾江中路", "岭南大道")),
    Region("320506", "江苏省", "苏州市", "吴中区", ("东吴北路", "宝带西路", "吴中大道")),
    Region("320102", "江苏省", "南京市", "玄武区", ("中山路", "珠江路", "北京东路")),
    Region("510107", "四川省", "成都市", "武侯区", ("人民南路四段", "科华北路", "武侯祠大街")),
    Region("420106", "湖北省", "武汉市", "武昌区", ("中南路", "武珞路", "中北路")),
    Region("430104", "湖南省", "长沙市", "岳麓区", ("麓山南路", "枫林三路", "金星中路")),
    Region("350203", "福建省", "厦门市", "思明区", ("湖滨南路", "中山路", "厦禾路")),
    Region("350102", "福建省", "福州市", "鼓楼区", ("五四路", "杨桥中路", "古田路")),
    Region("370202", "山东省", "青岛市", "市南区", ("香港中路", "东海西路", "南京路")),
    Region("610113", "陕西省", "西安市", "雁塔区", ("小寨东路", "长安南路", "科技路")),
    Region("410105", "河南省", "郑州市", "金水区", ("花园路", "经三路", "农业路")),
    Region("340104", "安徽省", "合肥市", "蜀山区", ("长江西路", "黄山路", "潜山路")),
    Region("360102", "江西省", "南昌市", "东湖区", ("八一大道", "北京西路", "阳明路")),
    Region("210102", "辽宁省", "沈阳市", "和平区", ("南京北街", "三好街", "太原北街")),
    Region("230103", "黑龙江省", "哈尔滨市", "南岗区", ("红军街", "西大直街", "学府路")),
    Region("220102", "吉林省", "长春市", "南关区", ("人民大街", "解放大路", "亚泰大街")),
    Region("130102", "河北省", "石家庄市", "长安区", ("中山东路", "建设北大街", "广安大街")),
    Region("140105", "山西省", "太原市", "小店区", ("长治路", "亲贤北街", "坞城路")),
    Region("530102", "云南省", "昆明市", "五华区", ("东风西路", "人民中路", "一二一大街")),
    Region("520102", "贵州省", "贵阳市", "南明区", ("中华南路", "花果园大街", "市南路")),
    Region("450103", "广西壮族自治区", "南宁市", "青秀区", ("民族大道", "东葛路", "金湖路")),
    Region("460106", "海南省", "海口市", "龙华区", ("国贸大道", "滨海大道", "龙昆北路")),
    Region("620102", "甘肃省", "兰州市", "城关区", ("东岗西路", "庆阳路", "天水北路")),
    Region("650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", ("人民路", "解放南路")),
    Region("150102", "内蒙古自治区", "呼和浩特市", "新城区", ("新华大街", "锡林郭勒北路")),
)
# Where online shoppers live, roughly: the big eastern cities weigh most.
REGION_WEIGHTS = tuple(
    5 if r.city in {"北京市", "上海市", "杭州市", "深圳市", "广州市"} else 2 for r in REGIONS
)
# Where sellers register: the e-commerce clusters of Hangzhou, Yiwu, Shenzhen and Guangzhou first.
_SELLER_HUBS = {"杭州市", "金华市", "深圳市", "广州市"}
_SELLER_PROVINCES = {"浙江省", "江苏省", "广东省", "上海市", "福建省"}
MERCHANT_REGION_WEIGHTS = tuple(
    8 if r.city in _SELLER_HUBS else 4 if r.province in _SELLER_PROVINCES else 1 for r in REGIONS
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
_SURNAME_WEIGHTS = tuple(max(1.0, 12 - i * 0.25) for i in range(len(SURNAMES)))
MALE_GIVEN = (
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "浩然", "宇轩",
    "子豪", "俊杰", "志强", "建华", "国庆", "海涛", "文博", "一鸣", "晨阳", "家豪", "天佑", "思远",
    "振宇", "嘉诚", "宏伟", "立新", "少华", "德明", "永康",
)  # fmt: skip
FEMALE_GIVEN = (
    "芳", "娜", "敏", "静", "丽", "艳", "婷", "雪", "琳", "欣怡", "梓涵", "雨萱", "诗涵", "佳怡",
    "思琪", "晓燕", "秀英", "桂芳", "丽娟", "婉清", "梦瑶", "可馨", "雅婷", "紫萱", "慧敏", "春梅",
    "淑华", "玉兰", "晓雯", "语嫣", "若曦", "心怡",
)  # fmt: skip

# Valid mobile number segments of the three carriers and the virtual operators.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
    "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198",
    "199",
)  # fmt: skip

_NICK_WORDS = (
    "小鱼儿", "快乐的小熊", "追风少年", "柠檬不酸", "清风徐来", "一只喵", "吃货小分队", "南山南",
    "晴天", "星星点灯", "橙子味的夏天", "大白兔", "阿狸", "木子", "小确幸", "海绵宝宝", "深海的鱼",
    "奶茶三分糖", "西瓜太郎", "半糖主义",
)  # fmt: skip
_LATIN_HANDLES = (
    "jenny", "leo", "coco", "tony", "amy", "kevin", "vicky", "jason", "sunny", "momo", "lucas",
    "iris", "ray", "echo", "nina", "sam", "alex", "yoyo", "kiki", "david",
)  # fmt: skip
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "outlook.com")


@dataclass(frozen=True)
class Person:
    name: str
    male: bool
    born: date
    region: Region


def person(rng: random.Random, *, on: date, min_age: int = 18, max_age: int = 60) -> Person:
    male = rng.random() < 0.5
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
    age_days = rng.randint(min_age * 366, max_age * 365)
    region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
    return Person(surname + given, male, on - timedelta(days=age_days), region)


def resident_id(rng: random.Random, who: Person) -> str:
    # GB 11643: the 17th digit is odd for men and even for women.
    sequence = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if who.male else (0, 2, 4, 6, 8))
    first17 = f"{who.region.code}{who.born:%Y%m%d}{sequence:03d}"
    return first17 + rid_check_char(first17)


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _organisation_code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    remainder = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    check = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return body + check


def uscc(rng: random.Random, region: Region) -> str:
    # "91" is a company registered with the market regulator, the usual case for a shop's operator.
    first17 = "91" + region.code + _organisation_code(rng)
    return first17 + uscc_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def address(rng: random.Random, region: Region | None = None) -> str:
    region = region or rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
    street = rng.choice(region.streets + _COMMON_STREETS)
    number = rng.randint(1, 999)
    if rng.random() < 0.8:
        return (
            f"{region.prefix}{street} {number} 号 {rng.randint(1, 30)} 幢 "
            f"{rng.randint(1, 32)}{rng.randint(1, 6):02d}"
        )
    return f"{region.prefix}{street} {number} 号 {rng.choice(('A', 'B', 'C'))} 座 {rng.randint(2, 28)} 楼"


def nickname(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(_NICK_WORDS) + (str(rng.randint(1, 2025)) if rng.random() < 0.5 else "")
    if roll < 0.75:
        return f"{rng.choice(_LATIN_HANDLES)}_{rng.randint(1, 9999)}"
    return f"tb_{rng.randrange(10**9, 10**10)}"


def email(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.randrange(10**7, 10**10)}@qq.com"
    return f"{rng.choice(_LATIN_HANDLES)}{rng.randint(1, 9999)}@{rng.choice(_MAIL_DOMAINS)}"
