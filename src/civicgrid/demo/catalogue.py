"""What the demo district holds besides its regions: departments of a real district and the demo logins."""

from __future__ import annotations

from civicgrid.people.models import Department, Role

B, U, OTHER = Department.Kind.BUREAU, Department.Kind.UTILITY, Department.Kind.OTHER

# (code, name, short name, kind) — the units a district linkage centre dispatches to.
DEPARTMENTS = [
    ("CGJ", "区城市管理局", "城管", B),
    ("ZJJ", "区住房和城乡建设局", "住建", B),
    ("HBJ", "区生态环境局", "环保", B),
    ("JJDD", "公安分局交通警察大队", "交警", B),
    ("SCJGJ", "区市场监督管理局", "市场监管", B),
    ("SWJ", "区水务局", "水务", B),
    ("JTJ", "区交通运输局", "交通", B),
    ("GHJ", "区规划建设局", "规划", B),
    ("WJW", "区卫生健康委员会", "卫健", B),
    ("JYJ", "区教育局", "教育", B),
    ("MZJ", "区民政局", "民政", B),
    ("RSJ", "区人力资源和社会保障局", "人社", B),
    ("YJJ", "区应急管理局", "应急", B),
    ("GAFJ", "公安分局", "公安", B),
    ("GDGS", "供电公司园区供电服务中心", "供电", U),
    ("RQGS", "园区燃气有限公司", "燃气", U),
    ("GSGS", "园区供水有限公司", "供水", U),
    ("TXGS", "通信运营商园区分公司", "通信", U),
    ("WYXH", "区物业管理协会", "物业", OTHER),
]

DEMO_PASSWORD = "Civic-grid-2026"

# (user name, role, display name, department code or None, scope: "district" | "street" | "community" | "grids")
DEMO_USERS = [
    ("resident", Role.RESIDENT, "居民王芳", None, None),
    ("operator", Role.HOTLINE_OPERATOR, "话务员李静", None, "district"),
    ("dispatcher", Role.DISPATCHER, "派遣员张伟", None, "district"),
    ("handler", Role.DEPARTMENT_HANDLER, "城管处置员刘洋", "CGJ", "district"),
    ("gridworker", Role.GRID_WORKER, "网格员陈敏", None, "grids"),
    ("community", Role.COMMUNITY_STAFF, "社区干部赵磊", None, "community"),
    ("street", Role.STREET_STAFF, "街道干部孙丽", None, "street"),
    ("leader", Role.LEADER, "区领导周强", None, "district"),
    ("dataadmin", Role.DATA_ADMIN, "数据管理员吴婷", None, "district"),
    ("sysadmin", Role.SYSTEM_ADMIN, "系统管理员郑浩", None, None),
    ("secadmin", Role.SECURITY_ADMIN, "安全管理员冯雪", None, None),
    ("auditadmin", Role.AUDIT_ADMIN, "审计管理员何军", None, None),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红鹏辉林宁斌浩凯婷雪琳晨欣宇轩涵睿博文怡佳颖"


def grid_worker_name(n: int) -> str:
    """A plausible, deterministic name for the n-th generated grid worker."""
    surname = SURNAMES[(n * 7) % len(SURNAMES)]
    given = GIVEN[(n * 13) % len(GIVEN)] + ("" if n % 3 == 0 else GIVEN[(n * 31 + 5) % len(GIVEN)])
    return surname + given
