<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CommandRunner</name>
    <message>
        <location filename="../../widgets/drones/runner.py" line="38"/>
        <source>{0}: sent to {1}…</source>
        <translation>{0}：已发送至 {1}…</translation>
    </message>
</context>
<context>
    <name>CommandsPanel</name>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="46"/>
        <location filename="../../widgets/drones/commands_panel.py" line="73"/>
        <source>Arm</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="46"/>
        <source>Arm the motors of {name}?</source>
        <translation>确定解锁 {name} 的电机？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="48"/>
        <location filename="../../widgets/drones/commands_panel.py" line="74"/>
        <source>Disarm</source>
        <translation>上锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="48"/>
        <source>Disarm {name}? A flying drone will fall.</source>
        <translation>确定上锁 {name}？飞行中的无人机将会坠落。</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="52"/>
        <location filename="../../widgets/drones/commands_panel.py" line="77"/>
        <source>Start mission</source>
        <translation>执行航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="53"/>
        <source>Start the uploaded mission on {name}?</source>
        <translation>确定 {name} 执行已上传的航线？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="54"/>
        <location filename="../../widgets/drones/commands_panel.py" line="78"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="55"/>
        <location filename="../../widgets/drones/commands_panel.py" line="79"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="72"/>
        <source>Commands</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="75"/>
        <location filename="../../widgets/drones/commands_panel.py" line="88"/>
        <source>Take off</source>
        <translation>起飞</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="76"/>
        <source>Set mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="89"/>
        <source>Take off {name} to {alt} m?</source>
        <translation>确定 {name} 起飞至 {alt} 米？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="93"/>
        <source>Mode {0}</source>
        <translation>模式 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/commands_panel.py" line="94"/>
        <source>Switch {name} to {mode}?</source>
        <translation>确定将 {name} 切换为 {mode} 模式？</translation>
    </message>
</context>
<context>
    <name>DroneMapPanel</name>
    <message>
        <location filename="../../widgets/drones/map_panel.py" line="266"/>
        <source>Fly here · {0} m</source>
        <translation>飞往此处 · {0} 米</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/map_panel.py" line="270"/>
        <source>Follow drone</source>
        <translation>跟随无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/map_panel.py" line="271"/>
        <source>Keep the selected drone in the middle of the map</source>
        <translation>让选中的无人机保持在地图中央</translation>
    </message>
</context>
<context>
    <name>DroneStatus</name>
    <message>
        <location filename="../../widgets/drones/status.py" line="32"/>
        <source>link OK</source>
        <translation>链路正常</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/status.py" line="33"/>
        <source>LINK LOST</source>
        <translation>链路中断</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/status.py" line="34"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/status.py" line="35"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
</context>
<context>
    <name>DroneVideoPanel</name>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="64"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="65"/>
        <source>Put on wall</source>
        <translation>上墙</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="66"/>
        <source>Show this drone&apos;s video on the video wall</source>
        <translation>在视频墙上显示此无人机的视频</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="105"/>
        <source>No video downlink configured for this drone</source>
        <translation>此无人机未配置视频回传</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="108"/>
        <source>On the wall, cell {0}</source>
        <translation>已上墙，第 {0} 格</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="130"/>
        <source>Drone {0}</source>
        <translation>无人机 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="131"/>
        <source>{0}: video on the wall (cell {1})</source>
        <translation>{0}：视频已上墙（第 {1} 格）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/video_panel.py" line="137"/>
        <source>Snapshot of {0} requested</source>
        <translation>已请求 {0} 截图</translation>
    </message>
</context>
<context>
    <name>DronesScreen</name>
    <message>
        <location filename="../../widgets/drones/screen.py" line="174"/>
        <source>RTL</source>
        <translation>返航</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="175"/>
        <source>Return to launch now (no confirmation)</source>
        <translation>立即返航（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="176"/>
        <source>LAND</source>
        <translation>降落</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="177"/>
        <source>Land where the drone is now (no confirmation)</source>
        <translation>原地降落（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="178"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="217"/>
        <source>Fly here</source>
        <translation>飞往此处</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="244"/>
        <source>No drone</source>
        <translation>未选择无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="279"/>
        <source>{0} ({1}): no answer from the server. The drone may or may not have received it: watch its state before sending again.</source>
        <translation>{0}（{1}）：服务器无应答。无人机可能已收到、也可能未收到该指令：请先观察其状态再决定是否重发。</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="282"/>
        <source>{0} ({1}) refused: this seat&apos;s login is no longer valid, log in again ({2})</source>
        <translation>{0}（{1}）被拒绝：本席位的登录已失效，请重新登录（{2}）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="291"/>
        <source>started</source>
        <translation>已开始</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="291"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="291"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="291"/>
        <source>refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="292"/>
        <source>missed</source>
        <translation>已错过</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="295"/>
        <source>Patrol {0}: {1} {2}</source>
        <translation>巡查计划 {0}：{1} {2}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="198"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="277"/>
        <source>{0} ({1}): accepted</source>
        <translation>{0}（{1}）：已接受</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="285"/>
        <source>{0} ({1}) refused: {2}</source>
        <translation>{0}（{1}）被拒绝：{2}</translation>
    </message>
</context>
<context>
    <name>GotoDialog</name>
    <message>
        <location filename="../../widgets/drones/goto.py" line="16"/>
        <source>Fly here</source>
        <translation>飞往此处</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/goto.py" line="18"/>
        <source>Send {0} to {1}, {2}?</source>
        <translation>派 {0} 飞往 {1}, {2}？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/goto.py" line="22"/>
        <source>Altitude above home</source>
        <translation>相对起飞点高度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/goto.py" line="28"/>
        <source>Fly there</source>
        <translation>飞往</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/goto.py" line="30"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>InstrumentsPanel</name>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="40"/>
        <source>Telemetry</source>
        <translation>遥测</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="41"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="41"/>
        <source>Armed</source>
        <translation>解锁状态</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="41"/>
        <source>Altitude</source>
        <translation>高度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="42"/>
        <source>Ground / air speed</source>
        <translation>地速 / 空速</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="42"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="43"/>
        <source>Battery</source>
        <translation>电池</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="43"/>
        <source>GPS / satellites</source>
        <translation>定位 / 卫星</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="43"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="44"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="77"/>
        <source>{0} min left</source>
        <translation>剩余 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="80"/>
        <source>ARMED</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/instruments.py" line="80"/>
        <source>disarmed</source>
        <translation>已上锁</translation>
    </message>
</context>
<context>
    <name>MissionEditor</name>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="109"/>
        <location filename="../../widgets/drones/mission_editor.py" line="125"/>
        <source>Download mission</source>
        <translation>下载航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="113"/>
        <source>Add waypoints</source>
        <translation>添加航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="114"/>
        <source>Click the map to add waypoints; drag a waypoint to move it</source>
        <translation>点击地图添加航点；拖动航点可移动</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="115"/>
        <source>Altitude</source>
        <translation>高度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="116"/>
        <source>Spacing</source>
        <translation>间距</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="117"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="118"/>
        <source>Lawn-mower</source>
        <translation>割草机航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="119"/>
        <source>Survey the fence (or the waypoints as an area) in parallel lines</source>
        <translation>以平行航线扫描电子围栏（或以航点围成的区域）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="120"/>
        <source>Orbit</source>
        <translation>环绕</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="121"/>
        <source>Fly around the area outside its edge</source>
        <translation>沿区域外缘环绕飞行</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="122"/>
        <source>Waypoints → fence</source>
        <translation>航点 → 电子围栏</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="123"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="124"/>
        <location filename="../../widgets/drones/mission_editor.py" line="251"/>
        <location filename="../../widgets/drones/mission_editor.py" line="259"/>
        <source>Upload mission</source>
        <translation>上传航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="126"/>
        <source>Waypoint</source>
        <translation>航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="126"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="126"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="127"/>
        <source>Altitude (m)</source>
        <translation>高度（米）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="147"/>
        <source>No waypoints</source>
        <translation>无航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="150"/>
        <source>{0} waypoints · {1} km · {2} min · battery ≈ {3}%</source>
        <translation>{0} 个航点 · {1} 公里 · {2} 分钟 · 耗电约 {3}%</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="194"/>
        <source>Draw at least 3 waypoints (or a fence) to define the area first</source>
        <translation>请先绘制至少 3 个航点（或电子围栏）来确定区域</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/mission_editor.py" line="249"/>
        <source>{name} is flying its mission (AUTO). The uploaded mission replaces it at once and the drone flies on with it from its first waypoint. Upload?</source>
        <translation>{name} 正在执行航线（AUTO）。上传的航线将立即替换当前航线，无人机从新航线的第一个航点继续飞行。确定上传？</translation>
    </message>
</context>
<context>
    <name>PatrolBanner</name>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="180"/>
        <source>Fly</source>
        <translation>执行</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="181"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="199"/>
        <source>You may not fly patrols (drone.command and drone.arm are needed)</source>
        <translation>您无权执行巡查（需要 drone.command 和 drone.arm 权限）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="210"/>
        <source>(+{0} more)</source>
        <translation>（另有 {0} 项）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="211"/>
        <source>Patrol due: {0} — {1} at {2}. Fly it now?</source>
        <translation>巡查计划到时：{0} — {1}，{2}。现在执行吗？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="218"/>
        <source>Patrol {0}</source>
        <translation>巡查计划 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="223"/>
        <source>cancelled in the pilot screen</source>
        <translation>飞手在无人机界面取消</translation>
    </message>
</context>
<context>
    <name>PatrolSchedulesPanel</name>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="78"/>
        <source>Patrol schedules</source>
        <translation>巡查计划</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="79"/>
        <source>Patrol name, e.g. market street</source>
        <translation>巡查名称，例如：夜市街</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="80"/>
        <location filename="../../widgets/drones/patrols.py" line="96"/>
        <source>Daily</source>
        <translation>每天</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="80"/>
        <location filename="../../widgets/drones/patrols.py" line="96"/>
        <source>Weekdays</source>
        <translation>工作日</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="80"/>
        <location filename="../../widgets/drones/patrols.py" line="97"/>
        <source>Weekends</source>
        <translation>周末</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="82"/>
        <source>Save plan as patrol</source>
        <translation>航线存为巡查计划</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="83"/>
        <source>Fly the plan being edited with the selected drone at this time</source>
        <translation>在此时间由所选无人机执行当前编辑的航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="84"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="105"/>
        <source>next {0}</source>
        <translation>下次 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="111"/>
        <source>Save patrol {0}</source>
        <translation>保存巡查计划 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/patrols.py" line="119"/>
        <source>Draw or load the patrol&apos;s mission first</source>
        <translation>请先绘制或载入巡查航线</translation>
    </message>
</context>
<context>
    <name>VehicleListPanel</name>
    <message>
        <location filename="../../widgets/drones/vehicle_list.py" line="27"/>
        <source>Drones</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/vehicle_list.py" line="48"/>
        <source>armed</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/vehicle_list.py" line="48"/>
        <source>disarmed</source>
        <translation>已上锁</translation>
    </message>
</context>
</TS>
