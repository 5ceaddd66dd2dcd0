"""Building blocks for realistic, valid Chinese demo data (no real people or companies)."""

import datetime as dt
import random

from kehu.core.normalize.identifiers import (
    USCC_ALPHABET,
    org_code_check_char,
    ric_check_char,
    uscc_check_char,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉俊波宇浩凯健晨欣怡婷雪琳"
    "佳琪子涵梓轩一诺欣妍思远志强建国文博海峰晓东春梅秋菊冬梅嘉怡雨桐浩然宏伟"
)
BRAND = (
    "华创智联信达恒通博远嘉禾瑞丰鼎盛天成宏图汇金立新中科正泰永安远航星辰云帆金桥启明鸿运同创安顺世纪"
    "海川明德乐享优品新锐卓越领航"
)
INDUSTRY_WORDS = (
    "科技",
    "信息技术",
    "贸易",
    "电子",
    "机械",
    "新材料",
    "生物医药",
    "食品",
    "物流",
    "建设工程",
    "环保",
    "教育咨询",
    "文化传媒",
    "网络科技",
    "智能装备",
    "医疗器械",
)
LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
ROADS = (
    "文一路",
    "文二路",
    "天目山路",
    "解放路",
    "人民路",
    "中山路",
    "建设路",
    "和平路",
    "长江路",
    "黄河路",
    "学院路",
    "科技路",
    "工业路",
    "滨江大道",
    "世纪大道",
    "南京路",
    "淮海路",
    "延安路",
    "东风路",
    "新华路",
)
OCCUPATIONS = (
    "教师",
    "工程师",
    "医生",
    "会计",
    "销售经理",
    "设计师",
    "公务员",
    "个体经营",
    "律师",
    "自由职业",
    "程序员",
    "护士",
    "店长",
    "采购",
    "行政",
)
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "aliyun.com", "sina.com", "foxmail.com", "outlook.com")
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)
# Approximate centres of the cities customers are generated in (latitude, longitude).
CITY_CENTRES = {
    "110100": (39.90, 116.40),
    "120100": (39.13, 117.20),
    "310100": (31.23, 121.47),
    "500100": (29.56, 106.55),
    "320100": (32.06, 118.80),
    "320500": (31.30, 120.58),
    "320200": (31.49, 120.31),
    "330100": (30.27, 120.15),
    "330200": (29.87, 121.55),
    "330300": (28.00, 120.70),
    "340100": (31.82, 117.23),
    "350100": (26.07, 119.30),
    "350200": (24.48, 118.09),
    "370100": (36.65, 117.12),
    "370200": (36.07, 120.38),
    "410100": (34.75, 113.62),
    "420100": (30.59, 114.31),
    "430100": (28.23, 112.94),
    "440100": (23.13, 113.26),
    "440300": (22.54, 114.06),
    "440600": (23.02, 113.12),
    "510100": (30.57, 104.07),
    "610100": (34.34, 108.94),
    "210100": (41.80, 123.43),
}


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random, area: str) -> str:
    """A number valid in the numbering plan (local number lengths and prefixes vary by city)."""
    from kehu.core.normalize import InvalidValue, normalize_phone

    for _ in range(50):
        digits = 8 if len(area) == 3 or rng.random() < 0.7 else 7
        number = f"{area}-{rng.randrange(2, 9)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
        try:
            return normalize_phone(number).canonical
        except InvalidValue:
            continue
    raise ValueError(f"no valid landline found for area code {area}")


def birthday(rng: random.Random) -> dt.date:
    return dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))


def resident_id(rng: random.Random, district_code: str, born: dt.date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{district_code}{born:%Y%m%d}{sequence:03d}"
    return first17 + ric_check_char(first17)


def credit_code(rng: random.Random, district_code: str) -> str:
    org8 = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    first17 = "91" + district_code + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


def company_name(rng: random.Random, city_short: str) -> str:
    brand = rng.choice(BRAND) + rng.choice(BRAND)
    prefix = city_short if rng.random() < 0.8 else ""
    return f"{prefix}{brand}{rng.choice(INDUSTRY_WORDS)}{rng.choice(LEGAL_FORMS)}"


def address(rng: random.Random, province: str, city: str, district: str) -> str:
    building = (
        f"{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元{rng.randrange(1, 30)}{rng.randrange(1, 5):02d}室"
    )
    head = "" if province == city else province
    return f"{head}{city}{district}{rng.choice(ROADS)}{rng.randrange(1, 999)}号{building}"


def email_for(rng: random.Random, name_pinyin: str) -> str:
    return f"{name_pinyin}{rng.randrange(10, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
