<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DronesScreen</name>
    <message>
        <location filename="../../widgets/drones/screen.py" line="255"/>
        <location filename="../../widgets/drones/screen.py" line="284"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="257"/>
        <location filename="../../widgets/drones/screen.py" line="285"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="265"/>
        <source>RTL</source>
        <translation>返航</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="266"/>
        <source>Return to launch now (no confirmation)</source>
        <translation>立即返航（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="267"/>
        <source>LAND</source>
        <translation>降落</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="268"/>
        <source>Land where the drone is now (no confirmation)</source>
        <translation>原地降落（无需确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="269"/>
        <source>Drones</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="270"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="271"/>
        <source>Telemetry</source>
        <translation>遥测</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="272"/>
        <source>Commands</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="273"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="273"/>
        <source>Armed</source>
        <translation>解锁状态</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="273"/>
        <location filename="../../widgets/drones/screen.py" line="288"/>
        <source>Altitude</source>
        <translation>高度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="274"/>
        <source>Ground / air speed</source>
        <translation>地速 / 空速</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="274"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="275"/>
        <source>Battery</source>
        <translation>电池</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="275"/>
        <source>GPS / satellites</source>
        <translation>定位 / 卫星</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="275"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="276"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="279"/>
        <location filename="../../widgets/drones/screen.py" line="481"/>
        <source>Arm</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="280"/>
        <location filename="../../widgets/drones/screen.py" line="484"/>
        <source>Disarm</source>
        <translation>上锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="281"/>
        <location filename="../../widgets/drones/screen.py" line="489"/>
        <source>Take off</source>
        <translation>起飞</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="282"/>
        <source>Set mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="283"/>
        <location filename="../../widgets/drones/screen.py" line="498"/>
        <source>Start mission</source>
        <translation>执行航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="286"/>
        <source>Add waypoints</source>
        <translation>添加航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="287"/>
        <source>Click the map to add waypoints; drag a waypoint to move it</source>
        <translation>点击地图添加航点；拖动航点可移动</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="289"/>
        <source>Spacing</source>
        <translation>间距</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="290"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="291"/>
        <source>Lawn-mower</source>
        <translation>割草机航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="292"/>
        <source>Survey the fence (or the waypoints as an area) in parallel lines</source>
        <translation>以平行航线扫描电子围栏（或以航点围成的区域）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="293"/>
        <source>Orbit</source>
        <translation>环绕</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="294"/>
        <source>Fly around the area outside its edge</source>
        <translation>沿区域外缘环绕飞行</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="295"/>
        <source>Waypoints → fence</source>
        <translation>航点 → 电子围栏</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="296"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="297"/>
        <location filename="../../widgets/drones/screen.py" line="610"/>
        <source>Upload mission</source>
        <translation>上传航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="298"/>
        <location filename="../../widgets/drones/screen.py" line="613"/>
        <source>Download mission</source>
        <translation>下载航线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="299"/>
        <source>Waypoint</source>
        <translation>航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="299"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="299"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="300"/>
        <source>Altitude (m)</source>
        <translation>高度（米）</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="331"/>
        <source>armed</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="331"/>
        <location filename="../../widgets/drones/screen.py" line="393"/>
        <source>disarmed</source>
        <translation>已上锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="351"/>
        <source>link OK</source>
        <translation>链路正常</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="351"/>
        <source>LINK LOST</source>
        <translation>链路中断</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="351"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="352"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="363"/>
        <source>No drone</source>
        <translation>未选择无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="390"/>
        <source>{0} min left</source>
        <translation>剩余 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="393"/>
        <source>ARMED</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="432"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="444"/>
        <source>{0}: sent to {1}…</source>
        <translation>{0}：已发送至 {1}…</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="468"/>
        <source>{0} ({1}): accepted</source>
        <translation>{0}（{1}）：已接受</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="474"/>
        <source>{0} ({1}) refused: {2}</source>
        <translation>{0}（{1}）被拒绝：{2}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="481"/>
        <source>Arm the motors of {name}?</source>
        <translation>确定解锁 {name} 的电机？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="485"/>
        <source>Disarm {name}? A flying drone will fall.</source>
        <translation>确定上锁 {name}？飞行中的无人机将会坠落。</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="490"/>
        <source>Take off {name} to {alt} m?</source>
        <translation>确定 {name} 起飞至 {alt} 米？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="494"/>
        <source>Mode {0}</source>
        <translation>模式 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="495"/>
        <source>Switch {name} to {mode}?</source>
        <translation>确定将 {name} 切换为 {mode} 模式？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="499"/>
        <source>Start the uploaded mission on {name}?</source>
        <translation>确定 {name} 执行已上传的航线？</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="543"/>
        <location filename="../../widgets/drones/screen.py" line="553"/>
        <location filename="../../widgets/drones/screen.py" line="564"/>
        <source>Draw at least 3 waypoints (or a fence) to define the area first</source>
        <translation>请先绘制至少 3 个航点（或电子围栏）来确定区域</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="598"/>
        <source>No waypoints</source>
        <translation>无航点</translation>
    </message>
    <message>
        <location filename="../../widgets/drones/screen.py" line="604"/>
        <source>{0} waypoints · {1} km · {2} min · battery ≈ {3}%</source>
        <translation>{0} 个航点 · {1} 公里 · {2} 分钟 · 耗电约 {3}%</translation>
    </message>
</context>
</TS>
