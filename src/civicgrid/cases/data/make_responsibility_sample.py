"""Write responsibility_sample.xlsx: a realistic responsibility list (责任清单) for the demo district.

    .venv/bin/python src/civicgrid/cases/data/make_responsibility_sample.py [OUTPUT.xlsx]

About a hundred items over thirteen domains (市容环卫, 园林绿化, 市政设施, 违法建设, 交通秩序, 环境保护, 市场监管,
供水排水, 供电, 燃气, 物业管理, 公共安全/应急, 民生服务), each mapped to a department of the demo's catalogue
(civicgrid.demo.catalogue: CGJ 城管, ZJJ 住建, HBJ 环保, JJDD 交警, SCJGJ 市场监管, SWJ 水务, JTJ 交通, GHJ 规划建设,
WJW 卫健, JYJ 教育, MZJ 民政, RSJ 人社, YJJ 应急, GAFJ 公安, GDGS 供电, RQGS 燃气, GSGS 供水, TXGS 通信, WYXH 物业) or to
the street offices JDB320505006 (斜塘街道) and JDB320506010 (胜浦街道), which take over a few categories in their
street (区域编码 = the street's code). Category codes are those of data/categories.json.

The limits are illustrative, in the spirit of published district lists (urgent utility failures 全天候 with half an
hour to accept and a few hours to handle; street-scene order on working days, 1-5 working days to handle; hotline
consultations answered within one working day); they are not any one city's official figures. Hours throughout:
with 工作日, N working days are written N×24.

The script needs no database: it only uses the workbook writer of civicgrid.cases.responsibility (Django is set up,
with DEBUG=1 when no SECRET_KEY is in the environment, because that module imports the models; nothing is read or
written in a database).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "responsibility_sample.xlsx"
W, N = "工作日", "全天候"
XT, SP = "320505006", "320506010"  # 斜塘街道, 胜浦街道 (codes of the demo's region tree)

# Limits: (accept, dispatch, handle, verify, close) in hours.
URGENT = (0.5, 0.5, 4, 2, 24)
FAST = (0.5, 1, 8, 4, 24)
SAME_DAY = (1, 2, 24, 24, 24)
TWO_DAYS = (1, 2, 48, 24, 24)
THREE_DAYS = (2, 4, 72, 24, 24)
FIVE_DAYS = (2, 4, 120, 24, 24)

# (domain, category code, region code, department code, handling standard, clock, limits)
ITEMS: list[tuple[str, str, str, str, str, str, tuple]] = [
    # 市容环卫
    ("市容环卫", "S0102", "", "CGJ", "暴露垃圾4小时内清理完毕，地面无残留，周边无散落。", N, (1, 1, 4, 4, 24)),
    ("市容环卫", "S0102", XT, "JDB320505006", "街道环卫作业单位4小时内清理完毕，地面无残留。", N, (1, 1, 4, 4, 24)),
    ("市容环卫", "S0102", SP, "JDB320506010", "街道环卫作业单位4小时内清理完毕，地面无残留。", N, (1, 1, 4, 4, 24)),
    ("市容环卫", "S0103", "", "CGJ", "积存垃圾渣土清运完毕，现场覆盖或洒水防尘，查明倾倒来源。", W, TWO_DAYS),
    ("市容环卫", "S0104", "", "CGJ", "路面保洁达到一级道路保洁标准，无明显污渍、积尘。", N, (1, 1, 4, 4, 24)),
    ("市容环卫", "S0106", "", "CGJ", "绿地内垃圾、杂物清理干净，恢复整洁。", W, SAME_DAY),
    ("市容环卫", "S0108", "", "CGJ", "废弃家具、设备清运至指定消纳点。", W, TWO_DAYS),
    ("市容环卫", "S0109", "", "CGJ", "清除树上悬挂的杂物、晾晒物，树体无损伤。", W, SAME_DAY),
    ("市容环卫", "S0112", "", "CGJ", "劝导并督促清理违规饲养的家禽家畜，拒不整改的依法处理。", W, THREE_DAYS),
    ("市容环卫", "B0301", "", "CGJ", "公厕设施损坏当日修复，不能修复的设置告示并开放临近公厕。", W, SAME_DAY),
    ("市容环卫", "B0302", "", "CGJ", "化粪池满溢或盖板缺损：到场设置警示，8小时内清掏或补盖。", N, FAST),
    ("市容环卫", "B0304", "", "CGJ", "垃圾房（楼）破损、脏乱当日清理，设施损坏限期修复。", W, SAME_DAY),
    ("市容环卫", "B0305", "", "CGJ", "垃圾箱破损、缺失或满溢：满溢4小时内清运，破损缺失1个工作日内更换。", W, SAME_DAY),
    ("市容环卫", "B0306", "", "CGJ", "灯箱、霓虹灯破损或存在坠落隐患的，先行排险，限期修复或拆除。", W, TWO_DAYS),
    ("市容环卫", "B0307", "", "CGJ", "广告牌匾破损、残缺、字体缺失的，督促设置人修复，存在安全隐患的先行拆除。", W, TWO_DAYS),
    ("市容环卫", "S0201", "", "CGJ", "非法小广告清除干净，恢复墙面、杆体原貌，追查号码依法处理。", W, TWO_DAYS),
    ("市容环卫", "S0201", XT, "JDB320505006", "街道保洁队伍清除小广告，恢复原貌。", W, TWO_DAYS),
    ("市容环卫", "S0202", "", "CGJ", "未经许可张贴、悬挂的广告牌匾、横幅限期拆除。", W, THREE_DAYS),
    ("市容环卫", "S0203", "", "CGJ", "占道广告牌当场责令撤除，拒不撤除的暂扣。", W, SAME_DAY),
    ("市容环卫", "S0204", "", "CGJ", "制止街头散发广告行为，清理散落的广告纸。", W, SAME_DAY),
    ("市容环卫", "S0205", "", "CGJ", "广告设施破损有坠落危险的2小时内设置警戒，24小时内排险。", N, (0.5, 1, 24, 4, 24)),
    # 园林绿化
    ("园林绿化", "B0401", "", "GHJ", "古树名木受损、病虫害：专业养护单位到场评估，按一树一策救护。", W, THREE_DAYS),
    ("园林绿化", "B0402", "", "GHJ", "行道树倒伏、断枝影响通行的先行清障；缺株、枯死的列入补植计划。", W, TWO_DAYS),
    ("园林绿化", "B0403", "", "GHJ", "树池箅子、护树设施缺损修复或更换，树池平整。", W, THREE_DAYS),
    ("园林绿化", "B0404", "", "GHJ", "花架花钵破损、倾倒的扶正修复，缺失植物补种。", W, THREE_DAYS),
    ("园林绿化", "B0405", "", "GHJ", "绿地被毁、黄土裸露的恢复绿化，侵占绿地的依法查处。", W, FIVE_DAYS),
    ("园林绿化", "B0406", "", "GHJ", "城市雕塑破损、污损的清洁修复，存在安全隐患的设置围挡。", W, FIVE_DAYS),
    ("园林绿化", "B0407", "", "GHJ", "街头坐椅破损、松动的修复或更换。", W, THREE_DAYS),
    ("园林绿化", "B0408", "", "GHJ", "绿地护栏缺损、倾斜的修复扶正。", W, THREE_DAYS),
    # 市政设施
    ("市政设施", "B0101", "", "GSGS", "上水井盖缺失、破损、移位：30分钟内到场设置警示，4小时内补齐或更换，井盖与路面高差不超过5毫米。", N, URGENT),
    ("市政设施", "B0102", "", "SWJ", "污水井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0103", "", "SWJ", "雨水井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0104", "", "SWJ", "雨水箅子缺失、破损、堵塞：到场设置警示，8小时内修复或疏通。", N, FAST),
    ("市政设施", "B0105", "", "GDGS", "电力井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0106", "", "CGJ", "路灯井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0107", "", "TXGS", "通信井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0108", "", "TXGS", "有线电视井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0109", "", "TXGS", "网络井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0112", "", "GAFJ", "公安井盖缺失、破损：到场设置警示，4小时内补齐或更换。", N, URGENT),
    ("市政设施", "B0113", "", "GSGS", "市政消防栓损坏、漏水、被圈占：8小时内修复，保持随时可用。", N, FAST),
    ("市政设施", "B0114", "", "CGJ", "无主井盖缺失、破损：先行补盖排险，再查明权属移交。", N, URGENT),
    ("市政设施", "B0115", "", "TXGS", "通信交接箱破损、箱门缺失、线缆外露的修复加锁。", W, TWO_DAYS),
    ("市政设施", "B0116", "", "GDGS", "电力设施破损、箱门敞开、线缆外露：到场排险，8小时内修复。", N, FAST),
    ("市政设施", "B0117", "", "GDGS", "电杆倾斜、破损有倒杆危险的设置警戒，8小时内加固或更换。", N, FAST),
    ("市政设施", "B0118", "", "CGJ", "路灯不亮、灯杆破损：主次干道2个工作日内修复亮灯，存在漏电、倒杆隐患的立即排险。", W, TWO_DAYS),
    ("市政设施", "B0119", "", "CGJ", "地灯破损、不亮的修复，灯具外露带电的立即断电排险。", W, THREE_DAYS),
    ("市政设施", "B0120", "", "CGJ", "景观灯不亮、破损的修复。", W, THREE_DAYS),
    ("市政设施", "B0121", "", "CGJ", "报刊亭破损、超范围经营的督促整改或修复。", W, THREE_DAYS),
    ("市政设施", "S0615", "", "JTJ", "道路破损、坑洼：影响通行的先设警示，3个工作日内修复平整。", W, THREE_DAYS),
    ("市政设施", "S0401", "", "JTJ", "路面塌陷：30分钟内到场围挡，会同管线单位查明原因，4小时内排险，限期修复。", N, URGENT),
    # 违法建设
    ("违法建设", "S0101", "", "CGJ", "私搭乱建：当日现场核查，在建的责令停工，已建成的立案查处、限期拆除。", W, FIVE_DAYS),
    ("违法建设", "S0101", XT, "JDB320505006", "属地街道核查制止，在建的责令停工，已建成的移交执法立案。", W, FIVE_DAYS),
    ("违法建设", "S0101", SP, "JDB320506010", "属地街道核查制止，在建的责令停工，已建成的移交执法立案。", W, FIVE_DAYS),
    ("违法建设", "B0502", "", "ZJJ", "人防工事出入口破损、被占用的督促产权单位修复、清理。", W, FIVE_DAYS),
    ("违法建设", "B0503", "", "ZJJ", "公房地下室违规出租、群租的依法查处。", W, FIVE_DAYS),
    ("违法建设", "B0602", "", "ZJJ", "工地围挡破损、出入口未硬化、未冲洗的责令整改。", W, THREE_DAYS),
    ("违法建设", "S0304", "", "ZJJ", "施工废弃料限期清运，现场覆盖。", W, TWO_DAYS),
    ("违法建设", "S0305", "", "CGJ", "施工占道未经许可的责令恢复，经许可的核对占道范围和时限。", W, SAME_DAY),
    ("违法建设", "S0306", "", "CGJ", "无证掘路立即制止，责令恢复路面，依法处罚。", N, URGENT),
    # 交通秩序
    ("交通秩序", "S0505", "", "JJDD", "机动车乱停放：2小时内到场，联系车主驶离或依法处理，消防通道、公交站台优先。", N, (0.5, 0.5, 2, 2, 24)),
    ("交通秩序", "S0506", "", "CGJ", "非机动车、共享单车乱停放：督促运营企业2小时内清理，整理归位。", W, SAME_DAY),
    ("交通秩序", "S0506", SP, "JDB320506010", "街道协管员整理归位，通知运营企业清运。", W, SAME_DAY),
    ("交通秩序", "S0107", "", "JJDD", "废弃车辆（僵尸车）张贴告知，限期移走，逾期依法拖移。", W, FIVE_DAYS),
    ("交通秩序", "S0509", "", "JTJ", "黑车拉客：交通执法依法查处，重点站点加强巡查。", W, TWO_DAYS),
    ("交通秩序", "S0303", "", "CGJ", "道路遗撒：4小时内清理，查明渣土车辆并依法处罚。", N, URGENT),
    ("交通秩序", "B0201", "", "JTJ", "公共停车场设施损坏、乱收费的督促经营单位整改。", W, THREE_DAYS),
    ("交通秩序", "B0203", "", "JTJ", "公交站亭破损、站牌缺失的修复更换。", W, TWO_DAYS),
    ("交通秩序", "B0205", "", "JTJ", "过街天桥破损、照明故障的修复，存在安全隐患的先行封闭。", W, THREE_DAYS),
    ("交通秩序", "B0206", "", "JTJ", "地下通道积水、照明故障、破损的修复。", W, THREE_DAYS),
    ("交通秩序", "B0208", "", "JTJ", "跨河桥栏杆、桥面破损的修复，存在安全隐患的设置警示。", W, THREE_DAYS),
    ("交通秩序", "B0209", "", "JJDD", "交通标志牌缺失、倾斜、遮挡的修复更换。", W, TWO_DAYS),
    ("交通秩序", "B0210", "", "JJDD", "交通控制箱破损、箱门敞开的修复加锁。", W, TWO_DAYS),
    ("交通秩序", "B0211", "", "JJDD", "交通护栏倾倒、缺失的扶正修复。", W, TWO_DAYS),
    ("交通秩序", "B0213", "", "MZJ", "路名牌缺失、错误、破损的按地名规范更换。", W, FIVE_DAYS),
    ("交通秩序", "B0214", "", "JJDD", "交通信号灯故障：30分钟内到场手动指挥，4小时内修复。", N, URGENT),
    # 环境保护
    ("环境保护", "S0110", "", "HBJ", "焚烧垃圾、树叶当场制止扑灭，查明责任人依法处理。", N, (0.5, 0.5, 2, 2, 24)),
    ("环境保护", "S0111", "", "HBJ", "餐饮油烟未经净化排放的，责令安装或清洗油烟净化设施。", W, FIVE_DAYS),
    ("环境保护", "S0301", "", "HBJ", "夜间施工扰民：核查夜间施工许可，无许可的立即责令停止。", N, (0.5, 0.5, 2, 4, 24)),
    ("环境保护", "S0302", "", "ZJJ", "工地扬尘：责令覆盖、洒水降尘，落实六个百分百。", W, SAME_DAY),
    ("环境保护", "S0602", "", "HBJ", "违规排放污水：现场取证、采样，责令停止排放，依法查处。", W, THREE_DAYS),
    ("环境保护", "B0308", "", "HBJ", "环境监测站（塔）设施损坏、数据异常的通知运维单位修复。", W, FIVE_DAYS),
    # 市场监管
    ("市场监管", "S0501", "", "CGJ", "无照经营游商劝离，拒不离开的依法暂扣经营工具。", W, SAME_DAY),
    ("市场监管", "S0503", "", "CGJ", "占道废品收购责令撤除，清理现场。", W, SAME_DAY),
    ("市场监管", "S0504", "", "CGJ", "店外经营、跨门经营责令退店经营，屡教不改的依法处罚。", W, SAME_DAY),
    ("市场监管", "S0504", XT, "JDB320505006", "街道市容队伍劝导退店经营，屡教不改的移交执法。", W, SAME_DAY),
    ("市场监管", "S0504", SP, "JDB320506010", "街道市容队伍劝导退店经营，屡教不改的移交执法。", W, SAME_DAY),
    ("市场监管", "S0508", "", "CGJ", "商业噪音：使用高音喇叭招揽顾客的当场责令停止。", W, SAME_DAY),
    ("市场监管", "S0510", "", "CGJ", "露天烧烤：夜间2小时内到场制止，责令入室经营或撤除。", N, (0.5, 0.5, 2, 2, 24)),
    ("市场监管", "S0511", "", "CGJ", "沿街晾挂劝导收回，影响市容的责令整改。", W, SAME_DAY),
    ("市场监管", "S0603", "", "SCJGJ", "餐饮食品安全：现场检查，涉嫌食品安全问题的抽样检验、依法查处。", W, FIVE_DAYS),
    ("市场监管", "S0604", "", "SCJGJ", "价格、计量纠纷：调查核实，组织调解，违法的依法处理。", W, FIVE_DAYS),
    ("市场监管", "Q03", "", "SCJGJ", "消费投诉：5个工作日内联系投诉人，组织调解，结果答复投诉人。", W, FIVE_DAYS),
    # 供水排水
    ("供水排水", "S0402", "", "GSGS", "自来水管破裂：30分钟内到场关阀止水，4小时内抢修，同步发布停水信息。", N, URGENT),
    ("供水排水", "S0404", "", "SWJ", "下水道堵塞、破损：8小时内疏通或修复，污水外溢的先行围挡抽排。", N, FAST),
    ("供水排水", "S0406", "", "SWJ", "道路积水：2小时内到场抽排，设置警示，影响交通的会同交警疏导。", N, (0.5, 0.5, 2, 2, 24)),
    ("供水排水", "S0608", "", "GSGS", "停水：4小时内查明原因并答复，计划停水的告知恢复时间。", N, URGENT),
    ("供水排水", "S0105", "", "SWJ", "河道水面漂浮物、垃圾1个工作日内打捞清理。", W, SAME_DAY),
    ("供水排水", "B0603", "", "SWJ", "驳岸、栏杆、码头等水域附属设施损坏的设置警示，限期修复。", W, THREE_DAYS),
    # 供电
    ("供电", "S0609", "", "GDGS", "停电：4小时内查明原因并答复，故障停电抢修复电。", N, URGENT),
    ("供电", "S0408", "", "GDGS", "架空线缆断落、低垂：30分钟内到场警戒，4小时内处置。", N, URGENT),
    ("供电", "S0611", "", "TXGS", "通信线缆、光缆故障或飞线的整理修复。", W, TWO_DAYS),
    # 燃气
    ("燃气", "S0403", "", "RQGS", "燃气管道破裂、泄漏：接报后立即出发，30分钟内到场关阀、疏散、警戒，4小时内抢修完毕。", N, URGENT),
    ("燃气", "B0111", "", "RQGS", "燃气井盖缺失、破损：到场设置警示，检测有无泄漏，4小时内补齐。", N, URGENT),
    ("燃气", "B0127", "", "RQGS", "燃气调压站（箱）异响、异味、破损：立即到场检测，2小时内排险。", N, (0.5, 0.5, 2, 2, 24)),
    ("燃气", "S0610", "", "RQGS", "燃气停供：查明原因并答复恢复时间，8小时内恢复供气。", N, FAST),
    ("燃气", "B0604", "", "YJJ", "液化气站违规储存、经营的依法检查，责令整改。", W, THREE_DAYS),
    # 物业管理
    ("物业管理", "S0605", "", "WYXH", "物业服务纠纷：通知物业企业联系业主，组织调解，5个工作日内答复。", W, FIVE_DAYS),
    ("物业管理", "S0606", "", "WYXH", "小区公共设施损坏：督促物业企业3个工作日内修复。", W, THREE_DAYS),
    ("物业管理", "S0607", "", "SCJGJ", "电梯困人、故障：维保单位30分钟内到场救援，4小时内修复，安全监察跟踪。", N, URGENT),
    ("物业管理", "S0612", "", "YJJ", "消防通道堵塞：督促物业、管理单位立即清理，拒不清理的依法处理。", N, FAST),
    # 公共安全/应急
    ("公共安全/应急", "S0409", "", "YJJ", "火灾：立即转119，属地联动到场配合，事后排查隐患。", N, (0.25, 0.25, 2, 4, 24)),
    ("公共安全/应急", "S0407", "", "CGJ", "道路积雪结冰：主干道12小时内除雪撒盐，桥梁坡道优先。", N, (0.5, 1, 12, 4, 24)),
    ("公共安全/应急", "S0613", "", "YJJ", "安全隐患：2个工作日内现场检查，重大隐患挂牌督办。", W, TWO_DAYS),
    ("公共安全/应急", "B0601", "", "YJJ", "重大危险源监控设施异常的立即核查，通知企业整改。", N, FAST),
    ("公共安全/应急", "S0601", "", "GAFJ", "社会生活噪声扰民：派出所1小时内到场劝导制止。", N, (0.5, 0.5, 1, 4, 24)),
    ("公共安全/应急", "S0614", "", "GAFJ", "流浪犬只伤人、扰民的捕捉收容，按犬只管理规定处理。", W, TWO_DAYS),
    ("公共安全/应急", "Q04", "", "GAFJ", "举报线索：核实后依法处理，5个工作日内答复举报人（保护举报人信息）。", W, FIVE_DAYS),
    ("公共安全/应急", "S0502", "", "MZJ", "流浪乞讨人员：救助站8小时内到场劝导救助，护送至救助站。", N, (1, 1, 8, 4, 24)),
    # 民生服务
    ("民生服务", "Q01", "", "MZJ", "政策咨询：1个工作日内电话答复，答复口径以现行政策为准。", W, (0.5, 1, 24, 8, 8)),
    ("民生服务", "Q01", XT, "JDB320505006", "属地咨询：街道便民服务中心1个工作日内答复。", W, (0.5, 1, 24, 8, 8)),
    ("民生服务", "Q01", SP, "JDB320506010", "属地咨询：街道便民服务中心1个工作日内答复。", W, (0.5, 1, 24, 8, 8)),
    ("民生服务", "Q02", "", "MZJ", "生活求助：2个工作日内联系求助人，协调解决或告知途径。", W, (0.5, 1, 48, 24, 24)),
    ("民生服务", "Q02", XT, "JDB320505006", "属地求助：社区2个工作日内上门了解，协调解决。", W, (0.5, 1, 48, 24, 24)),
    ("民生服务", "Q02", SP, "JDB320506010", "属地求助：社区2个工作日内上门了解，协调解决。", W, (0.5, 1, 48, 24, 24)),
    ("民生服务", "Q05", "", "MZJ", "意见建议：登记转有关部门研究，10个工作日内答复。", W, (1, 2, 240, 24, 24)),
    ("民生服务", "S0616", "", "RSJ", "拖欠工资：劳动保障监察5个工作日内核查，责令限期支付。", W, FIVE_DAYS),
    ("民生服务", "S0617", "", "WJW", "医疗卫生服务：医疗机构服务、收费问题调查核实并答复。", W, FIVE_DAYS),
    ("民生服务", "S0618", "", "JYJ", "教育服务：入学、校外培训等问题调查核实并答复。", W, FIVE_DAYS),
    ("民生服务", "S0619", "", "MZJ", "困难救助：3个工作日内入户核查，符合条件的纳入临时救助。", W, THREE_DAYS),
]

CATEGORY_NAMES = HERE / "categories.json"


def _names() -> dict[str, str]:
    import json

    out = {}

    def walk(nodes):
        for node in nodes:
            out[node["code"]] = node["name"]
            walk(node.get("children", []))

    walk(json.loads(CATEGORY_NAMES.read_text(encoding="utf-8"))["categories"])
    return out


def rows() -> list[tuple]:
    names = _names()
    out = []
    for _domain, code, region, department, standard, clock, limits in ITEMS:
        out.append((code, names[code], region, department, standard, clock, *limits, "是"))
    return out


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")  # development settings: nothing here touches the database
    import django

    django.setup()
    from civicgrid.cases.responsibility import write_responsibility_workbook

    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    domains = sorted({item[0] for item in ITEMS})
    count = write_responsibility_workbook(
        output, rows(), creator="civicgrid sample", title="责任清单（示例）",
        description=f"civicgrid 演示责任清单：{len(ITEMS)} 项，{len(domains)} 个领域；由 make_responsibility_sample.py 生成",
        info=[("说明", "演示数据，时限为示意值，非任何城市的正式清单"), ("事项数", len(ITEMS)),
              ("领域", "、".join(domains)), ("生成", "src/civicgrid/cases/data/make_responsibility_sample.py")],
        created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    print(f"{output}: {count} items over {len(domains)} domains")


if __name__ == "__main__":
    main(sys.argv)
