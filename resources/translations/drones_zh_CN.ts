<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DronesScreen</name>
    <message>
        <location filename="../../widgets/drones/screen.py" line="329"/>
        <location filename="../../widgets/drones/screen.py" line="405"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="331"/>
        <location filename="../../widgets/drones/screen.py" line="406"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="386"/>
        <source>RTL</source>
        <translation>返航</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="387"/>
        <source>Return to launch now (no confirmation)</source>
        <translation>立即返航（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="388"/>
        <source>LAND</source>
        <translation>降落</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="389"/>
        <source>Land where the drone is now (no confirmation)</source>
        <translation>原地降落（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="390"/>
        <source>Drones</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="391"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="392"/>
        <source>Telemetry</source>
        <translation>遥测</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="393"/>
        <source>Commands</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="394"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="394"/>
        <source>Armed</source>
        <translation>解锁状态</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="394"/>
        <location filename="../../widgets/drones/screen.py" line="409"/>
        <source>Altitude</source>
        <translation>高度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="395"/>
        <source>Ground / air speed</source>
        <translation>地速 / 空速</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="395"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="396"/>
        <source>Battery</source>
        <translation>电池</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="396"/>
        <source>GPS / satellites</source>
        <translation>定位 / 卫星</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="396"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="397"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="400"/>
        <location filename="../../widgets/drones/screen.py" line="839"/>
        <source>Arm</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="401"/>
        <location filename="../../widgets/drones/screen.py" line="842"/>
        <source>Disarm</source>
        <translation>上锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="402"/>
        <location filename="../../widgets/drones/screen.py" line="847"/>
        <source>Take off</source>
        <translation>起飞</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="403"/>
        <source>Set mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="404"/>
        <location filename="../../widgets/drones/screen.py" line="856"/>
        <source>Start mission</source>
        <translation>执行航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="407"/>
        <source>Add waypoints</source>
        <translation>添加航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="408"/>
        <source>Click the map to add waypoints; drag a waypoint to move it</source>
        <translation>点击地图添加航点；拖动航点可移动</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="410"/>
        <source>Spacing</source>
        <translation>间距</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="411"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="412"/>
        <source>Lawn-mower</source>
        <translation>割草机航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="413"/>
        <source>Survey the fence (or the waypoints as an area) in parallel lines</source>
        <translation>以平行航线扫描电子围栏（或以航点围成的区域）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="414"/>
        <source>Orbit</source>
        <translation>环绕</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="415"/>
        <source>Fly around the area outside its edge</source>
        <translation>沿区域外缘环绕飞行</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="416"/>
        <source>Waypoints → fence</source>
        <translation>航点 → 电子围栏</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="417"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="418"/>
        <location filename="../../widgets/drones/screen.py" line="827"/>
        <location filename="../../widgets/drones/screen.py" line="968"/>
        <source>Upload mission</source>
        <translation>上传航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="419"/>
        <location filename="../../widgets/drones/screen.py" line="971"/>
        <source>Download mission</source>
        <translation>下载航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="420"/>
        <source>Waypoint</source>
        <translation>航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="420"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="420"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="421"/>
        <source>Altitude (m)</source>
        <translation>高度（米）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="422"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="423"/>
        <source>Put on wall</source>
        <translation>上墙</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="424"/>
        <source>Show this drone&apos;s video on the video wall</source>
        <translation>在视频墙上显示此无人机的视频</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="425"/>
        <source>Patrol schedules</source>
        <translation>巡查计划</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="426"/>
        <source>Patrol name, e.g. market street</source>
        <translation>巡查名称，例如：夜市街</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="427"/>
        <location filename="../../widgets/drones/screen.py" line="694"/>
        <source>Daily</source>
        <translation>每天</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="427"/>
        <location filename="../../widgets/drones/screen.py" line="694"/>
        <source>Weekdays</source>
        <translation>工作日</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="427"/>
        <location filename="../../widgets/drones/screen.py" line="695"/>
        <source>Weekends</source>
        <translation>周末</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="429"/>
        <source>Save plan as patrol</source>
        <translation>航线存为巡查计划</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="430"/>
        <source>Fly the plan being edited with the selected drone at this time</source>
        <translation>在此时间由所选无人机执行当前编辑的航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="431"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="432"/>
        <source>Fly</source>
        <translation>执行</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="433"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="471"/>
        <source>armed</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="471"/>
        <location filename="../../widgets/drones/screen.py" line="536"/>
        <source>disarmed</source>
        <translation>已上锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="491"/>
        <source>link OK</source>
        <translation>链路正常</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="491"/>
        <source>LINK LOST</source>
        <translation>链路中断</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="491"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="492"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="506"/>
        <source>No drone</source>
        <translation>未选择无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="533"/>
        <source>{0} min left</source>
        <translation>剩余 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="536"/>
        <source>ARMED</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="656"/>
        <source>No video downlink configured for this drone</source>
        <translation>此无人机未配置视频回传</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="659"/>
        <source>On the wall, cell {0}</source>
        <translation>已上墙，第 {0} 格</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="667"/>
        <source>Drone {0}</source>
        <translation>无人机 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="668"/>
        <source>{0}: video on the wall (cell {1})</source>
        <translation>{0}：视频已上墙（第 {1} 格）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="676"/>
        <source>Snapshot of {0} requested</source>
        <translation>已请求 {0} 截图</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="706"/>
        <source>next {0}</source>
        <translation>下次 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="715"/>
        <source>Draw or load the patrol&apos;s mission first</source>
        <translation>请先绘制或载入巡查航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="725"/>
        <location filename="../../widgets/drones/screen.py" line="829"/>
        <source>Save patrol {0}</source>
        <translation>保存巡查计划 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="746"/>
        <source>(+{0} more)</source>
        <translation>（另有 {0} 项）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="747"/>
        <source>Patrol due: {0} — {1} at {2}. Fly it now?</source>
        <translation>巡查计划到时：{0} — {1}，{2}。现在执行吗？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="756"/>
        <source>Patrol {0}</source>
        <translation>巡查计划 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="763"/>
        <source>cancelled in the pilot screen</source>
        <translation>飞手在无人机界面取消</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="767"/>
        <source>started</source>
        <translation>已开始</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="767"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="767"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="768"/>
        <source>missed</source>
        <translation>已错过</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="771"/>
        <source>Patrol {0}: {1} {2}</source>
        <translation>巡查计划 {0}：{1} {2}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="786"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="798"/>
        <source>{0}: sent to {1}…</source>
        <translation>{0}：已发送至 {1}…</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="822"/>
        <source>{0} ({1}): accepted</source>
        <translation>{0}（{1}）：已接受</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="832"/>
        <source>{0} ({1}) refused: {2}</source>
        <translation>{0}（{1}）被拒绝：{2}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="839"/>
        <source>Arm the motors of {name}?</source>
        <translation>确定解锁 {name} 的电机？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="843"/>
        <source>Disarm {name}? A flying drone will fall.</source>
        <translation>确定上锁 {name}？飞行中的无人机将会坠落。</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="848"/>
        <source>Take off {name} to {alt} m?</source>
        <translation>确定 {name} 起飞至 {alt} 米？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="852"/>
        <source>Mode {0}</source>
        <translation>模式 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="853"/>
        <source>Switch {name} to {mode}?</source>
        <translation>确定将 {name} 切换为 {mode} 模式？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="857"/>
        <source>Start the uploaded mission on {name}?</source>
        <translation>确定 {name} 执行已上传的航线？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="901"/>
        <location filename="../../widgets/drones/screen.py" line="911"/>
        <location filename="../../widgets/drones/screen.py" line="922"/>
        <source>Draw at least 3 waypoints (or a fence) to define the area first</source>
        <translation>请先绘制至少 3 个航点（或电子围栏）来确定区域</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="956"/>
        <source>No waypoints</source>
        <translation>无航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="962"/>
        <source>{0} waypoints · {1} km · {2} min · battery ≈ {3}%</source>
        <translation>{0} 个航点 · {1} 公里 · {2} 分钟 · 耗电约 {3}%</translation>
    </message>
</context>
</TS>
