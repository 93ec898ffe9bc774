"""Demo data: one province (浙江省) of real hospital names with plausible figures, a sales
organisation of six people and made-up hospital staff. Loaded by `manage.py demo_data`.

Idempotent: rows are found by their natural keys and only created when missing, so running it
again never duplicates or overwrites what users changed.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction

from accounts.models import Role, Team, Territory, User
from accounts.services import assign_role, sync_role_groups
from o2crm import records

from .models import Attitude, Contact, Department, Hospital, Layer, PurchaseRole

DEMO_PASSWORD = "o2crm-demo"
PROVINCE = "浙江省"

USERS = [
    # username, name, role, team, leads team
    ("admin", "系统管理员", Role.ADMIN, None, False),
    ("director", "周建华", Role.DIRECTOR, None, False),
    ("assistant", "吴婷", Role.ASSISTANT, None, False),
    ("auditor", "孙敏", Role.AUDITOR, None, False),
    ("operations", "郑海涛", Role.OPERATIONS, None, False),
    ("finance", "冯丽", Role.FINANCE, None, False),
    ("manager1", "陈立军", Role.MANAGER, "浙北一组", True),
    ("manager2", "刘晓燕", Role.MANAGER, "浙北一组", False),
    ("manager3", "黄志强", Role.MANAGER, "浙南二组", True),
]
TEAMS = {
    "浙北一组": ("浙北区域", ["浙江省/杭州市", "浙江省/湖州市", "浙江省/嘉兴市",
                         "浙江省/宁波市", "浙江省/绍兴市", "浙江省/舟山市"]),
    "浙南二组": ("浙南区域", ["浙江省/温州市", "浙江省/台州市", "浙江省/金华市",
                         "浙江省/衢州市", "浙江省/丽水市"]),
}  # fmt: skip
CITY_OWNER = {
    "杭州市": "manager1", "湖州市": "manager1", "嘉兴市": "manager1",
    "宁波市": "manager2", "绍兴市": "manager2", "舟山市": "manager2",
    "温州市": "manager3", "台州市": "manager3", "金华市": "manager3",
    "衢州市": "manager3", "丽水市": "manager3",
}  # fmt: skip

# name, short name, city, county, grade, type, ownership, status, beds, hyperbaric chambers
HOSPITALS = [
    ("浙江大学医学院附属第一医院", "浙大一院", "杭州市", "上城区", "3A", "general", "public", "operating", 4000, 1),
    ("浙江大学医学院附属第二医院", "浙大二院", "杭州市", "上城区", "3A", "general", "public", "operating", 3600, 1),
    ("浙江大学医学院附属邵逸夫医院", "邵逸夫医院", "杭州市", "上城区", "3A", "general", "public", "expanding", 3200, 1),
    ("浙江省人民医院", "省人民医院", "杭州市", "拱墅区", "3A", "general", "public", "operating", 2900, 1),
    ("杭州市第一人民医院", "市一医院", "杭州市", "西湖区", "3A", "general", "public", "relocating", 1800, 1),
    ("浙江省中医院", "省中医院", "杭州市", "上城区", "3A", "tcm", "public", "operating", 1700, 0),
    ("浙江省肿瘤医院", "省肿瘤医院", "杭州市", "拱墅区", "3A", "specialty", "public", "operating", 2000, 0),
    ("浙江大学医学院附属儿童医院", "浙大儿院", "杭州市", "滨江区", "3A", "specialty", "public", "operating", 1900, 1),
    ("杭州市妇产科医院", "杭州妇产", "杭州市", "上城区", "3A", "maternal_child", "public", "operating", 800, 0),
    ("树兰（杭州）医院", "树兰医院", "杭州市", "拱墅区", "3A", "general", "private", "operating", 1000, 1),
    ("杭州市萧山区第一人民医院", "萧山一院", "杭州市", "萧山区", "3B", "general", "public", "operating", 1400, 1),
    ("桐庐县第一人民医院", "桐庐一院", "杭州市", "桐庐县", "2A", "general", "public", "expanding", 800, 0),
    ("杭州市钱塘区人民医院", "钱塘区医院", "杭州市", "钱塘区", "none", "general", "public", "new", 1000, 0),
    ("湖州市中心医院", "湖州中心", "湖州市", "吴兴区", "3A", "general", "public", "operating", 1500, 1),
    ("长兴县人民医院", "长兴人医", "湖州市", "长兴县", "3B", "general", "public", "operating", 1200, 0),
    ("嘉兴市第一医院", "嘉兴一院", "嘉兴市", "南湖区", "3A", "general", "public", "operating", 1800, 1),
    ("海宁市人民医院", "海宁人医", "嘉兴市", "海宁市", "3B", "general", "public", "operating", 1100, 0),
    ("嘉善县第一人民医院", "嘉善一院", "嘉兴市", "嘉善县", "2A", "general", "public", "relocating", 700, 0),
    ("宁波市第一医院", "宁波一院", "宁波市", "海曙区", "3A", "general", "public", "relocating", 2000, 1),
    ("宁波市第二医院", "宁波二院", "宁波市", "海曙区", "3A", "general", "public", "operating", 2200, 1),
    ("宁波大学附属李惠利医院", "李惠利医院", "宁波市", "鄞州区", "3A", "general", "public", "operating", 2300, 1),
    ("慈溪市人民医院", "慈溪人医", "宁波市", "慈溪市", "3B", "general", "public", "operating", 1300, 0),
    ("余姚市人民医院", "余姚人医", "宁波市", "余姚市", "3B", "general", "public", "operating", 1200, 0),
    ("宁海县第一医院", "宁海一院", "宁波市", "宁海县", "2A", "general", "public", "expanding", 900, 0),
    ("宁波明州医院", "明州医院", "宁波市", "鄞州区", "3B", "general", "private", "operating", 800, 0),
    ("绍兴市人民医院", "绍兴人医", "绍兴市", "越城区", "3A", "general", "public", "operating", 1700, 1),
    ("诸暨市人民医院", "诸暨人医", "绍兴市", "诸暨市", "3B", "general", "public", "operating", 1300, 0),
    ("绍兴市上虞人民医院", "上虞人医", "绍兴市", "上虞区", "3B", "general", "public", "operating", 1000, 0),
    ("嵊州市人民医院", "嵊州人医", "绍兴市", "嵊州市", "2A", "general", "public", "new", 800, 0),
    ("浙江省舟山医院", "舟山医院", "舟山市", "定海区", "3A", "general", "public", "operating", 1200, 1),
    ("岱山县人民医院", "岱山人医", "舟山市", "岱山县", "2B", "general", "public", "operating", 400, 0),
    ("温州医科大学附属第一医院", "温医大一院", "温州市", "瓯海区", "3A", "general", "public", "operating", 4000, 2),
    ("温州医科大学附属第二医院", "温医大二院", "温州市", "鹿城区", "3A", "general", "public", "operating", 2800, 1),
    ("温州市人民医院", "温州人医", "温州市", "鹿城区", "3A", "general", "public", "operating", 1400, 0),
    ("乐清市人民医院", "乐清人医", "温州市", "乐清市", "3B", "general", "public", "operating", 1200, 0),
    ("瑞安市人民医院", "瑞安人医", "温州市", "瑞安市", "3B", "general", "public", "operating", 1400, 1),
    ("苍南县人民医院", "苍南人医", "温州市", "苍南县", "2A", "general", "public", "relocating", 900, 0),
    ("浙江省台州医院", "台州医院", "台州市", "临海市", "3A", "general", "public", "operating", 1600, 1),
    ("台州市中心医院", "台州中心", "台州市", "椒江区", "3A", "general", "public", "operating", 1200, 0),
    ("温岭市第一人民医院", "温岭一院", "台州市", "温岭市", "3B", "general", "public", "operating", 1300, 0),
    ("玉环市人民医院", "玉环人医", "台州市", "玉环市", "2A", "general", "public", "new", 800, 0),
    ("金华市中心医院", "金华中心", "金华市", "婺城区", "3A", "general", "public", "operating", 2300, 1),
    ("浙江大学医学院附属第四医院", "浙大四院", "金华市", "义乌市", "3A", "general", "public", "expanding", 1800, 1),
    ("义乌市中心医院", "义乌中心", "金华市", "义乌市", "3B", "general", "public", "operating", 1400, 0),
    ("东阳市人民医院", "东阳人医", "金华市", "东阳市", "3B", "general", "public", "operating", 1500, 1),
    ("衢州市人民医院", "衢州人医", "衢州市", "柯城区", "3A", "general", "public", "operating", 1800, 1),
    ("江山市人民医院", "江山人医", "衢州市", "江山市", "2A", "general", "public", "operating", 900, 0),
    ("丽水市中心医院", "丽水中心", "丽水市", "莲都区", "3A", "general", "public", "operating", 1900, 1),
    ("缙云县人民医院", "缙云人医", "丽水市", "缙云县", "2A", "general", "public", "new", 700, 0),
]  # fmt: skip
# Left without an owner: the assistant assigns them (the "public pool").
UNOWNED = {"岱山县人民医院", "江山市人民医院"}

# name, parent name, sort order
DEPARTMENTS = [
    ("院办", None, 10),
    ("医务部", None, 20),
    ("护理部", None, 30),
    ("设备科", None, 40),
    ("后勤保障部", None, 50),
    ("财务科", None, 60),
    ("临床科室", None, 70),
    ("重症医学科", "临床科室", 71),
    ("麻醉科", "临床科室", 72),
    ("急诊科", "临床科室", 73),
    ("呼吸与危重症医学科", "临床科室", 74),
    ("高压氧科", "临床科室", 75),
]

# title, department, layer, roles, influence
POSITIONS = [
    ("院长", "院办", Layer.DECISION, [PurchaseRole.APPROVE], 5),
    ("分管后勤副院长", "院办", Layer.DECISION, [PurchaseRole.APPROVE], 4),
    ("设备科科长", "设备科", Layer.FUNCTIONAL, [PurchaseRole.APPLY, PurchaseRole.PROCURE], 4),
    (
        "后勤保障部主任",
        "后勤保障部",
        Layer.FUNCTIONAL,
        [PurchaseRole.APPLY, PurchaseRole.VERIFY],
        3,
    ),
    ("医务部主任", "医务部", Layer.FUNCTIONAL, [PurchaseRole.VERIFY], 3),
    ("护理部主任", "护理部", Layer.FUNCTIONAL, [PurchaseRole.VERIFY], 2),
    ("财务科科长", "财务科", Layer.FUNCTIONAL, [PurchaseRole.APPROVE], 3),
    ("重症医学科主任", "重症医学科", Layer.BASE, [PurchaseRole.APPLY, PurchaseRole.VERIFY], 3),
    ("麻醉科主任", "麻醉科", Layer.BASE, [PurchaseRole.VERIFY], 2),
    ("设备科工程师", "设备科", Layer.BASE, [PurchaseRole.PROCURE, PurchaseRole.INFORMANT], 2),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟陆汪金夏方邵"
GIVEN = [
    "建国", "卫东", "志刚", "海燕", "丽华", "国庆", "秀英", "明", "静", "勇", "军", "敏",
    "红梅", "晓东", "振华", "桂芳", "文斌", "俊杰", "雪梅", "宏伟", "立新", "春生",
    "玉兰", "晓峰", "建平", "伟民", "永强", "慧", "燕", "涛", "斌", "洁", "磊", "芳",
]  # fmt: skip
HOBBIES = ["羽毛球", "钓鱼", "太极拳", "书法", "徒步", "围棋", "摄影", "茶道", "越剧", "骑行"]
FAMILIES = [
    "爱人是中学老师，儿子在读高三",
    "女儿在浙大读研究生",
    "爱人在本院药剂科，育有一子",
    "父母同住，孩子刚上小学",
    "儿子在国外留学",
]
PERSONAL_NEEDS = [
    "希望年内评上主任医师",
    "关注孩子升学，对教育资源感兴趣",
    "重视学术交流，希望参加全国年会",
    "想把科室做成省级重点专科",
]
ORG_NEEDS = [
    "供氧安全零事故，液氧储罐年检压力大",
    "降低用氧成本，控制能耗指标",
    "保证ICU与手术室用氧压力稳定",
    "新院区集中供氧方案尚未定型，希望对比液氧与制氧",
    "设备采购需走院内论证与政府采购流程",
]


def _rng(*parts: str) -> random.Random:
    return random.Random("|".join(parts))


AREA_CODES = {
    "杭州市": "0571", "湖州市": "0572", "嘉兴市": "0573", "宁波市": "0574", "绍兴市": "0575",
    "台州市": "0576", "温州市": "0577", "丽水市": "0578", "金华市": "0579", "衢州市": "0570",
    "舟山市": "0580",
}  # fmt: skip


def _contacts_for(hospital_name: str, city: str, beds: int, used: set[str]) -> list[dict]:
    rng = _rng("contacts", hospital_name)
    count = 10 if beds >= 2500 else 8 if beds >= 1200 else 6
    positions = POSITIONS[:2] + rng.sample(POSITIONS[2:], count - 2)
    people = []
    for title, dept, layer, roles, influence in positions:
        for _ in range(50):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                break
        used.add(name)
        attitude = rng.choices(
            [Attitude.SUPPORT, Attitude.NEUTRAL, Attitude.OPPOSE, Attitude.UNKNOWN], [4, 4, 1, 2]
        )[0]
        person = {
            "name": name,
            "title": title,
            "department": dept,
            "layer": layer,
            "roles": list(roles),
            "influence": influence,
            "attitude": attitude,
            "closeness": rng.randint(1, 5) if attitude != Attitude.UNKNOWN else 1,
            "mobile": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
            "office_phone": f"{AREA_CODES[city]}-8{rng.randint(1000000, 9999999)}",
            "wechat": f"wx_{rng.randint(100000, 999999)}",
            "org_needs": rng.choice(ORG_NEEDS),
        }
        if rng.random() < 0.6:
            person.update(
                birthday=date(rng.randint(1962, 1985), rng.randint(1, 12), rng.randint(1, 28)),
                hobbies="、".join(rng.sample(HOBBIES, 2)),
                family=rng.choice(FAMILIES),
                personal_needs=rng.choice(PERSONAL_NEEDS),
                personal_phone=f"15{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
            )
        people.append(person)
    return people


@transaction.atomic
def load(stdout=None) -> dict[str, int]:
    """Create whatever part of the demo data is missing. Returns counts of created rows."""
    created = {"users": 0, "hospitals": 0, "departments": 0, "contacts": 0}
    sync_role_groups()

    territories = {}
    for team_name, (territory_name, cities) in TEAMS.items():
        territories[team_name], _ = Territory.objects.get_or_create(
            name=territory_name, defaults={"cities": cities}
        )
    teams = {
        name: Team.objects.get_or_create(name=name, defaults={"territory": territories[name]})[0]
        for name in TEAMS
    }
    users = {}
    for username, name, role, team_name, leads in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                name=name,
                team=teams.get(team_name),
                territory=territories.get(team_name),
                email=f"{username}@o2crm.example.cn",
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            assign_role(user=user, role=role)
            created["users"] += 1
        users[username] = user
        if leads and team_name and teams[team_name].leader_id is None:
            teams[team_name].leader = user
            teams[team_name].save(update_fields=["leader"])

    admin = users["admin"]
    used_names: set[str] = set(Contact.objects.values_list("name", flat=True))
    # The pinyin-search example of the product brief ("zhang" finds 张伟): placed once, below.
    used_names.add("张伟")
    for name, short, city, county, grade, kind, ownership, status, beds, chambers in HOSPITALS:
        hospital = Hospital.objects.filter(province=PROVINCE, city=city, name=name).first()
        if hospital is not None:
            continue
        rng = _rng("hospital", name)
        icu_share = 0.05 if grade.startswith("3") else 0.03
        hospital = Hospital(
            name=name,
            short_name=short,
            province=PROVINCE,
            city=city,
            county=county,
            grade=grade,
            hospital_type=kind,
            ownership=ownership,
            status=status,
            beds=beds,
            icu_beds=round(beds * icu_share * rng.uniform(0.8, 1.2)),
            operating_rooms=max(6, round(beds / rng.uniform(35, 50))),
            hyperbaric_chambers=chambers,
            address=f"{PROVINCE}{city}{county}{rng.choice(['人民路', '解放路', '中山路', '环城北路', '健康路'])}{rng.randint(1, 399)}号",
            owner=None if name in UNOWNED else users[CITY_OWNER[city]],
            notes=_note(status),
        )
        records.save_record(record=hospital, by=admin)
        created["hospitals"] += 1
        depts: dict[str, Department] = {}
        for dept_name, parent, order in DEPARTMENTS:
            if dept_name == "高压氧科" and not chambers:
                continue
            dept = Department(
                hospital=hospital, name=dept_name, parent=depts.get(parent), sort_order=order
            )
            records.save_record(record=dept, by=admin)
            depts[dept_name] = dept
            created["departments"] += 1
        people = _contacts_for(name, city, beds, used_names)
        if name == "浙江省人民医院":
            people[2]["name"] = "张伟"
        for person in people:
            contact = Contact(
                hospital=hospital, **{**person, "department": depts[person["department"]]}
            )
            records.save_record(record=contact, by=hospital.owner or admin)
            created["contacts"] += 1
    if created["hospitals"]:
        _field_edits(users)
    return created


def _field_edits(users: dict[str, User]) -> None:
    """A few edits by the managers, so a new user sees what the change history looks like."""
    edits = [
        ("manager1", "杭州市第一人民医院", {"notes": "之江院区2027年启用，基建办已就集中供氧征求方案；液氧与PSA两家在竞争。"}),
        ("manager3", "温州医科大学附属第一医院", {"icu_beds": 230, "operating_rooms": 96}),
        ("manager2", "宁波市第一医院", {"notes": "迁建新院区，设备科倾向PSA+液氧备用，院长尚未表态。"}),
    ]  # fmt: skip
    for username, name, changes in edits:
        hospital = Hospital.objects.get(province=PROVINCE, name=name)
        for field, value in changes.items():
            setattr(hospital, field, value)
        records.save_record(record=hospital, by=users[username])


def _note(status: str) -> str:
    return {
        "new": "新建医院，集中供氧方式待定，需尽早介入设计院与基建办。",
        "relocating": "整体迁建新院区，供氧系统将重新规划，液氧与制氧二选一。",
        "expanding": "扩建病房楼，现有液氧站容量不足。",
    }.get(status, "")
