"""What a seeded demo station is made of: its towns and villages, residents' names and phones, and
the issues residents raise there (kind, category, wording), with how often each comes and at what
hour, and how long each kind takes to resolve.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from core.models import Category, Kind

Row = dict[str, Any]
C, K = Category, Kind

TOWNS = ("舒坪镇", "仲权镇", "荣边镇", "漆树乡", "东兴街道", "五星街道")
VILLAGES = (
    "上阳村",
    "和平村",
    "新华村",
    "红旗村",
    "双河村",
    "石桥村",
    "光明社区",
    "幸福社区",
    "长征村",
    "团结村",
    "民主村",
    "新民村",
    "龙井村",
    "白鹤村",
    "桂花村",
    "青龙村",
    "金竹村",
    "大安社区",
    "丹桂社区",
    "汇东社区",
    "高峰村",
    "黄桷村",
    "柏杨村",
    "三合村",
    "五一村",
    "东风村",
    "向阳村",
    "胜利村",
    "建设村",
    "联合村",
    "凉水村",
    "白岩村",
    "大坪村",
    "新桥村",
    "水井村",
    "茶园村",
    "马鞍村",
    "长田村",
    "板桥村",
    "沙坝村",
    "观音村",
    "同心社区",
    "滨江社区",
    "兴隆社区",
    "锦绣社区",
    "檀木村",
    "鹿鸣村",
    "梨园村",
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = (
    "建国",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
    "桂英",
    "志强",
    "海燕",
    "波",
    "红梅",
    "国华",
    "春兰",
    "文",
    "玉兰",
    "建华",
    "小红",
    "德明",
    "淑珍",
    "卫东",
    "丽娟",
    "永红",
    "晓东",
    "宏伟",
    "秀兰",
)


@dataclass(frozen=True, slots=True)
class Topic:
    kind: Kind
    category: Category
    weight: float
    details: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        K.DISPUTE,
        C.PUBLIC_SECURITY,
        6,
        (
            "邻里纠纷：因宅基地边界与邻居发生争执，多次协商未果，请求民警调解",
            "邻里纠纷：邻居在公共楼道堆放杂物，沟通后仍不清理",
            "邻里纠纷：楼上住户长期漏水，与其协商未果",
        ),
    ),
    Topic(
        K.DISPUTE,
        C.PUBLIC_SECURITY,
        6,
        (
            "噪音扰民：楼下商铺夜间音响声音过大，影响休息",
            "噪音扰民：邻居装修晚上十点后仍在施工",
            "噪音扰民：广场舞音量过大，影响周边居民休息",
        ),
    ),
    Topic(
        K.DISPUTE,
        C.LITIGATION,
        2,
        (
            "征地拆迁补偿款分配存在争议，希望协调",
            "承包地界线不清，与邻村村民发生纠纷",
            "住房安置问题与施工方产生矛盾",
        ),
    ),
    Topic(K.DISPUTE, C.OTHER, 2, ("家庭赡养老人问题产生矛盾，希望民警上门调解", "租房押金纠纷，房东拒不退还")),
    Topic(
        K.HELP,
        C.ANTI_FRAUD,
        5,
        (
            "电信诈骗：接到自称客服的电话要求转账，怀疑是诈骗",
            "电信诈骗：家中老人被冒充公检法的电话骗取钱财",
            "电信诈骗：网上刷单被骗，请求帮助",
        ),
    ),
    Topic(
        K.HELP,
        C.PUBLIC_SECURITY,
        4,
        (
            "家中老人走失，请求帮助寻找",
            "电动车被盗，请求协助查找",
            "夜间有陌生人在小区徘徊，请求加强巡逻",
        ),
    ),
    Topic(K.HELP, C.TRAFFIC, 1, ("高速施工造成村民出行不便，请求协调", "车辆被剐蹭，对方驾车离开")),
    Topic(
        K.INQUIRY,
        C.HOUSEHOLD_ID,
        9,
        (
            "户籍迁移：咨询户口迁移入户需要准备哪些材料",
            "新生儿落户办理流程咨询",
            "身份证到期换领需要预约吗",
            "居住证办理条件咨询",
        ),
    ),
    Topic(K.INQUIRY, C.EXIT_ENTRY, 2, ("护照办理需要多长时间", "港澳通行证续签流程咨询")),
    Topic(K.INQUIRY, C.LAW_ENFORCEMENT, 3, ("无犯罪记录证明如何开具", "交通事故处理进度查询", "报案后案件进展查询")),
    Topic(
        K.SUGGESTION,
        C.TRAFFIC,
        4,
        (
            "车辆乱停：小区门口车辆乱停乱放，堵塞消防通道",
            "学校门口上下学时段交通拥堵，建议增派警力",
            "建议在主干道增设停车泊位",
        ),
    ),
    Topic(
        K.SUGGESTION,
        C.PUBLIC_SECURITY,
        3,
        (
            "建议在村口增设监控探头",
            "建议夜间加强巡逻",
            "小区后门长期无人看管，存在安防漏洞",
        ),
    ),
    Topic(
        K.SUGGESTION,
        C.POLICE_CONDUCT,
        2,
        (
            "窗口民警服务热情，提出表扬",
            "建议延长户籍窗口周末服务时间",
            "建议精简证明材料",
        ),
    ),
    Topic(K.CONSULTATION, C.HOUSEHOLD_ID, 3, ("视频约访：咨询户口迁移事宜", "视频约访：咨询身份证补办")),
    Topic(K.CONSULTATION, C.LITIGATION, 2, ("视频约访：反映涉法涉诉问题", "视频约访：咨询调解进展")),
    Topic(K.CONSULTATION, C.OTHER, 1, ("视频约访：反映村里治安情况",)),
)
TOPIC_CUMULATIVE = list(accumulate(t.weight for t in TOPICS))

# Median days from acknowledgement to resolution per kind (log-normal, sigma 0.7).
RESOLVE_MEDIAN_DAYS = {K.INQUIRY: 0.8, K.HELP: 1.2, K.CONSULTATION: 2.0, K.SUGGESTION: 5.0, K.DISPUTE: 6.0}
# The hours of the day residents write at (local), as relative weights.
HOUR_WEIGHTS = (1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 6, 7, 8, 8, 7, 6, 6, 7, 7, 5, 3, 2)
HOUR_CUMULATIVE = list(accumulate(HOUR_WEIGHTS))


def person_names(rng: random.Random) -> Iterator[str]:
    """Random Chinese names, one after the other, without end."""
    while True:
        yield rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone_number(rng: random.Random) -> str:
    """A random mobile number in the shape of a Chinese one."""
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"
