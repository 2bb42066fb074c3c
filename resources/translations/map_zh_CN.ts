<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DetailsPanel</name>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="24"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="26"/>
        <source>Click a unit on the map</source>
        <translation>点击地图上的单位查看详情</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="40"/>
        <source>Badge / plate / terminal</source>
        <translation>警号/车牌/终端</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="41"/>
        <source>Current case</source>
        <translation>当前案件</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="42"/>
        <source>Last fix age</source>
        <translation>距上次定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="43"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="44"/>
        <source>Replay time</source>
        <translation>回放时刻</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="45"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="46"/>
        <location filename="../../widgets/map/details_panel.py" line="81"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="47"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="60"/>
        <source>No position at this time</source>
        <translation>该时刻无位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="74"/>
        <source>No position yet</source>
        <translation>暂无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="77"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../widgets/map/details_panel.py" line="82"/>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
</context>
<context>
    <name>HeatmapPanel</name>
    <message>
        <location filename="../../widgets/map/heatmap_panel.py" line="47"/>
        <source>Last 24 hours</source>
        <translation>最近24小时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/heatmap_panel.py" line="47"/>
        <source>Last 7 days</source>
        <translation>最近7天</translation>
    </message>
    <message>
        <location filename="../../widgets/map/heatmap_panel.py" line="47"/>
        <source>Last 30 days</source>
        <translation>最近30天</translation>
    </message>
    <message>
        <location filename="../../widgets/map/heatmap_panel.py" line="50"/>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
</context>
<context>
    <name>LayersPanel</name>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="50"/>
        <source>Layers and legend</source>
        <translation>图层与图例</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="83"/>
        <source>Officers</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="85"/>
        <source>No recent fix</source>
        <translation>长时间无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="86"/>
        <source>Vehicles</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="88"/>
        <source>Drones</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="88"/>
        <source>Drone (arrow = heading)</source>
        <translation>无人机（箭头为航向）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="89"/>
        <source>Cameras</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="89"/>
        <source>Camera (click or drag)</source>
        <translation>摄像头（点击或拖动）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="90"/>
        <source>Management zones</source>
        <translation>管理区域</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="92"/>
        <source>Responsibility areas</source>
        <translation>责任区</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="94"/>
        <source>Unit grid</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="95"/>
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="95"/>
        <source>New / registered</source>
        <translation>新建/立案</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="96"/>
        <source>Dispatched / on scene</source>
        <translation>已派遣/处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="97"/>
        <source>Handled</source>
        <translation>处置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="98"/>
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="100"/>
        <source>Case heatmap</source>
        <translation>案件热力图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="101"/>
        <source>Trails</source>
        <translation>轨迹</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="102"/>
        <source>Last {0} min</source>
        <translation>最近{0}分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="103"/>
        <source>Street names</source>
        <translation>路名</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <location filename="../../widgets/map/canvas.py" line="237"/>
        <source>Map data © OpenStreetMap contributors (ODbL)</source>
        <translation>地图数据 © OpenStreetMap 贡献者 (ODbL)</translation>
    </message>
</context>
<context>
    <name>MapLabels</name>
    <message>
        <location filename="../../widgets/map/labels.py" line="22"/>
        <source>Sanitation truck</source>
        <translation>环卫车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="23"/>
        <source>Enforcement car</source>
        <translation>执法车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="24"/>
        <source>Sprinkler truck</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="25"/>
        <source>Sweeper</source>
        <translation>清扫车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="26"/>
        <source>Refuse transfer truck</source>
        <translation>垃圾转运车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="27"/>
        <source>Patrol e-bike</source>
        <translation>巡逻电动车</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="29"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="42"/>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="43"/>
        <source>Officer</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="50"/>
        <source>{0} s</source>
        <translation>{0}秒</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="52"/>
        <source>{0} min</source>
        <translation>{0}分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="54"/>
        <source>{0} h</source>
        <translation>{0}小时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/labels.py" line="55"/>
        <source>{0} d</source>
        <translation>{0}天</translation>
    </message>
</context>
<context>
    <name>MapPicker</name>
    <message>
        <location filename="../../widgets/map/picking.py" line="68"/>
        <source>no fix for {0}</source>
        <translation>已{0}无定位</translation>
    </message>
    <message>
        <location filename="../../widgets/map/picking.py" line="73"/>
        <source>Camera {0} — click to view, drag to the wall</source>
        <translation>摄像头 {0} — 点击查看，拖到视频墙</translation>
    </message>
</context>
<context>
    <name>MapScreen</name>
    <message>
        <location filename="../../widgets/map/screen.py" line="228"/>
        <source>No unit matches &quot;{0}&quot;</source>
        <translation>没有与“{0}”匹配的单位</translation>
    </message>
</context>
<context>
    <name>MapToolbar</name>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="24"/>
        <source>Vector map</source>
        <translation>矢量底图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="26"/>
        <source>Online tiles</source>
        <translation>在线瓦片</translation>
    </message>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="28"/>
        <source>Offline tiles (MBTiles)</source>
        <translation>离线瓦片（MBTiles）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="31"/>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="36"/>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <location filename="../../widgets/map/toolbar.py" line="40"/>
        <source>Whole district</source>
        <translation>全辖区</translation>
    </message>
</context>
<context>
    <name>ReplayPanel</name>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="40"/>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="55"/>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="57"/>
        <location filename="../../widgets/map/replay_panel.py" line="173"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="74"/>
        <source>Where was the selected unit at this time</source>
        <translation>所选单位在此时刻的位置</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="76"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="78"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="78"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="83"/>
        <source>Go to</source>
        <translation>定位到</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="116"/>
        <source>{0} for {1}</source>
        <translation>{0} 停留 {1}</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="118"/>
        <source>{0}: {1} km · duration {2} · moving {3} · {4} stops</source>
        <translation>{0}：行程 {1} 公里 · 用时 {2} · 行驶 {3} · 停留 {4} 次</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="148"/>
        <source>Loading history…</source>
        <translation>正在加载历史轨迹…</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="160"/>
        <source>The end of the period must be after its start</source>
        <translation>结束时间必须晚于开始时间</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="173"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="211"/>
        <source>{0} h {1} min</source>
        <translation>{0} 小时 {1} 分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_panel.py" line="214"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../../widgets/map/replay_layers.py" line="23"/>
        <location filename="../../widgets/map/replay_panel.py" line="213"/>
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
</context>
<context>
    <name>UnitSearchBox</name>
    <message>
        <location filename="../../widgets/map/search.py" line="39"/>
        <source>Search name, badge or plate</source>
        <translation>搜索姓名、警号或车牌</translation>
    </message>
</context>
</TS>
