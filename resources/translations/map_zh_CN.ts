<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MapScreen</name>
    <message>
        <location filename="../../widgets/map/screen.py" line="242"/>
        <source>Vector map</source>
        <translation>矢量底图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="244"/>
        <source>Online tiles</source>
        <translation>在线瓦片</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="246"/>
        <source>Offline tiles (MBTiles)</source>
        <translation>离线瓦片（MBTiles）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="249"/>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="252"/>
        <source>Search name, badge or plate</source>
        <translation>搜索姓名、警号或车牌</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="263"/>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="268"/>
        <source>Whole district</source>
        <translation>全辖区</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="293"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="295"/>
        <source>Click a unit on the map</source>
        <translation>点击地图上的单位查看详情</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="303"/>
        <source>Layers and legend</source>
        <translation>图层与图例</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="323"/>
        <source>Last 24 hours</source>
        <translation>最近24小时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="323"/>
        <source>Last 7 days</source>
        <translation>最近7天</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="324"/>
        <source>Last 30 days</source>
        <translation>最近30天</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="327"/>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="344"/>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="352"/>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="354"/>
        <location filename="../../widgets/map/screen.py" line="1004"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="368"/>
        <source>Where was the selected unit at this time</source>
        <translation>所选单位在此时刻的位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="370"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="372"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="372"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="377"/>
        <source>Go to</source>
        <translation>定位到</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="389"/>
        <source>Officers</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="391"/>
        <source>No recent fix</source>
        <translation>长时间无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="392"/>
        <source>Vehicles</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="394"/>
        <source>Drones</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="394"/>
        <source>Drone (arrow = heading)</source>
        <translation>无人机（箭头为航向）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="395"/>
        <source>Cameras</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="395"/>
        <source>Camera (click or drag)</source>
        <translation>摄像头（点击或拖动）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="396"/>
        <source>Management zones</source>
        <translation>管理区域</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="398"/>
        <source>Responsibility areas</source>
        <translation>责任区</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="400"/>
        <source>Unit grid</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="402"/>
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="402"/>
        <source>New / registered</source>
        <translation>新建/立案</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="403"/>
        <source>Dispatched / on scene</source>
        <translation>已派遣/处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="404"/>
        <source>Handled</source>
        <translation>已处置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="405"/>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="406"/>
        <source>Case heatmap</source>
        <translation>案件热力图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="407"/>
        <source>Trails</source>
        <translation>轨迹</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="408"/>
        <source>Last {0} min</source>
        <translation>最近{0}分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="409"/>
        <source>Street names</source>
        <translation>路名</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="413"/>
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="413"/>
        <source>En route</source>
        <translation>出警</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="414"/>
        <source>On scene</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="414"/>
        <source>Resting</source>
        <translation>休息</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="414"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="417"/>
        <source>Sanitation truck</source>
        <translation>环卫车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="417"/>
        <source>Enforcement car</source>
        <translation>执法车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="418"/>
        <source>Sprinkler truck</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="418"/>
        <source>Sweeper</source>
        <translation>清扫车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="419"/>
        <source>Refuse transfer truck</source>
        <translation>垃圾转运车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="419"/>
        <source>Patrol e-bike</source>
        <translation>巡逻电动车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="420"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="423"/>
        <source>Designated vending area</source>
        <translation>疏导点</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="423"/>
        <source>Control point</source>
        <translation>管控点</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="424"/>
        <source>Feature spot</source>
        <translation>特色点</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="424"/>
        <source>No-vending zone</source>
        <translation>禁止设摊区</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="425"/>
        <source>Unit grid cell</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="425"/>
        <source>Responsibility area</source>
        <translation>责任区</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="431"/>
        <source>Officer</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="431"/>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="436"/>
        <source>{0} s</source>
        <translation>{0}秒</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="438"/>
        <source>{0} min</source>
        <translation>{0}分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="440"/>
        <source>{0} h</source>
        <translation>{0}小时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="441"/>
        <source>{0} d</source>
        <translation>{0}天</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="619"/>
        <source>No unit matches &quot;{0}&quot;</source>
        <translation>没有与“{0}”匹配的单位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="668"/>
        <source>Loading history…</source>
        <translation>正在加载历史轨迹…</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="825"/>
        <source>no fix for {0}</source>
        <translation>已{0}无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="830"/>
        <source>Camera {0} — click to view, drag to the wall</source>
        <translation>摄像头 {0} — 点击查看，拖到视频墙</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="878"/>
        <source>Badge / plate / terminal</source>
        <translation>警号/车牌/终端</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="879"/>
        <source>Current case</source>
        <translation>当前案件</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="880"/>
        <source>Last fix age</source>
        <translation>距上次定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="881"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="882"/>
        <source>Replay time</source>
        <translation>回放时刻</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="883"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="884"/>
        <location filename="../../widgets/map/screen.py" line="924"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="885"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="901"/>
        <source>No position at this time</source>
        <translation>该时刻无位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="916"/>
        <source>No position yet</source>
        <translation>暂无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="920"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="925"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="977"/>
        <source>The end of the period must be after its start</source>
        <translation>结束时间必须晚于开始时间</translation>
    </message>
    <message>
        <location filename="../../widgets/map/screen.py" line="1004"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
</TS>
