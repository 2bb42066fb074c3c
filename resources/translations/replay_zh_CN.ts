<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DirectionPad</name>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="42"/>
        <source>Press and hold to turn the camera; the farther from the centre, the faster</source>
        <translation>按住转动摄像机；离中心越远转得越快</translation>
    </message>
</context>
<context>
    <name>IncidentReplayScreen</name>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="68"/>
        <source>Incident replay</source>
        <translation>事件复盘</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="88"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="88"/>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="117"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="96"/>
        <source>Case code</source>
        <translation>案件编号</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="98"/>
        <source>Load case</source>
        <translation>载入案件</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="107"/>
        <source>Centre: lat, lon</source>
        <translation>中心：纬度, 经度</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="112"/>
        <source>Load span</source>
        <translation>载入时段</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="114"/>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="127"/>
        <source>Choose a case, or a span and an area, and load it.</source>
        <translation>选择一个案件，或一个时段和区域，然后载入。</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="136"/>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="137"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="137"/>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="171"/>
        <source>Type a case code first</source>
        <translation>请先输入案件编号</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="180"/>
        <source>Centre must be "lat, lon" (e.g. 32.0439, 118.7848)</source>
        <translation>中心须为“纬度, 经度”（如 32.0439, 118.7848）</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="193"/>
        <source>Loading…</source>
        <translation>正在载入…</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="229"/>
        <source>No other camera with recordings in the area</source>
        <translation>区域内没有其他有录像的摄像机</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="232"/>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="286"/>
        <source>No recording at this moment</source>
        <translation>此刻没有录像</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="239"/>
        <source>%1: %2 events, %3 units, %4 cameras with recordings</source>
        <translation>%1：%2 个事件，%3 个单位，%4 路摄像机有录像</translation>
    </message>
    <message>
        <source>%1: %2 events, %3 units, %4 cameras and %5 drones with recordings</source>
        <translation>%1：%2 个事件，%3 个单位，%4 路摄像机和 %5 架无人机有录像</translation>
    </message>
    <message>
        <source>Drone %1 · nearest %2 m</source>
        <translation>无人机 %1 · 最近 %2 米</translation>
    </message>
    <message>
        <source>%1 · %2 m</source>
        <translation>%1 · %2 米</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="240"/>
        <source>Span</source>
        <translation>时段</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="293"/>
        <source>Export replay report</source>
        <translation>导出复盘报告</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="301"/>
        <source>Writing the report…</source>
        <translation>正在生成报告…</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/replay/screen.py" line="303"/>
        <source>Report saved: %1</source>
        <translation>报告已保存：%1</translation>
    </message>
</context>
<context>
    <name>PlaybackBar</name>
    <message>
        <source>Export clip</source>
        <translation>导出片段</translation>
    </message>
    <message>
        <source>Cut the span selected on the timeline (Shift+drag) into an MP4 clip; with a case code on the right it is filed as that case's evidence</source>
        <translation>将时间轴上选中的片段（Shift+拖动）导出为 MP4；右侧填写案件编号时，片段作为该案件的证据存档</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="54"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="54"/>
        <source>Back to the live picture</source>
        <translation>回到实时画面</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="55"/>
        <source>One frame back</source>
        <translation>后退一帧</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="56"/>
        <source>Play / pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="57"/>
        <source>One frame forward</source>
        <translation>前进一帧</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="62"/>
        <source>Playback speed</source>
        <translation>回放速度</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="66"/>
        <source>Jump to this time</source>
        <translation>跳到此时间</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="67"/>
        <source>Go</source>
        <translation>跳转</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="67"/>
        <source>Jump to the time on the left</source>
        <translation>跳到左侧的时间</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="69"/>
        <source>Case code</source>
        <translation>案件编号</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="72"/>
        <source>Jump to when this case was reported (Enter)</source>
        <translation>跳到该案件上报的时间（回车）</translation>
    </message>
</context>
<context>
    <name>PtzControl</name>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="175"/>
        <source>PTZ</source>
        <translation>云台</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="176"/>
        <source>Pan, tilt and zoom this camera: pad, drag, wheel, arrow keys</source>
        <translation>控制此摄像机的云台：方向盘、拖动、滚轮、方向键</translation>
    </message>
</context>
<context>
    <name>PtzPad</name>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="97"/>
        <source>Zoom in (hold)</source>
        <translation>放大（按住）</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="98"/>
        <source>Zoom out (hold)</source>
        <translation>缩小（按住）</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="104"/>
        <source>Preset</source>
        <translation>预置位</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="105"/>
        <source>Choose a preset to go to, or type a name and save the current view</source>
        <translation>选择要转到的预置位，或输入名称保存当前视角</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="107"/>
        <source>Go to</source>
        <translation>转到</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="110"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="111"/>
        <source>Save the current view as this preset</source>
        <translation>将当前视角保存为此预置位</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/ptz_pad.py" line="160"/>
        <source>Type a name for the preset first</source>
        <translation>请先输入预置位名称</translation>
    </message>
</context>
<context>
    <name>TilePlayback</name>
    <message>
        <source>Exporting the clip …</source>
        <translation>正在导出片段 …</translation>
    </message>
    <message>
        <source>Clip saved: %1 (SHA-256 %2…)</source>
        <translation>片段已保存：%1（SHA-256 %2…）</translation>
    </message>
    <message>
        <source>; filed as evidence of case %1</source>
        <translation>；已作为案件 %1 的证据存档</translation>
    </message>
    <message>
        <source>; no recording for %1</source>
        <translation>；以下时段无录像：%1</translation>
    </message>
    <message>
        <source>Clip not exported: %1</source>
        <translation>片段未导出：%1</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="126"/>
        <source>Playback</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="127"/>
        <source>Play this camera's recordings (timeline, speed, jump to a case)</source>
        <translation>回放此摄像机的录像（时间轴、倍速、跳到案件）</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="167"/>
        <source>Loading the recordings…</source>
        <translation>正在载入录像…</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="194"/>
        <source>No case %1</source>
        <translation>没有案件 %1</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="225"/>
        <source>Nothing was recorded in this period</source>
        <translation>此时段没有录像</translation>
    </message>
    <message>
        <location filename="../work/wt/playback/widgets/wall/playback.py" line="237"/>
        <source>Cannot read the recordings: %1</source>
        <translation>无法读取录像：%1</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../work/wt/playback/widgets/wall/timeline.py" line="43"/>
        <source>Click or drag to jump; Shift+drag selects a span for a clip; wheel to zoom</source>
        <translation>点击或拖动跳转；按住 Shift 拖动选择片段；滚轮缩放</translation>
    </message>
</context>
<context><name>VideoTile</name><message><source>Playback</source><translation>回放</translation></message></context><context><name>MainWindow</name><message><source>Incident replay</source><translation>事件复盘</translation></message></context><context><name>PtzLookAt</name><message><source>%1: look here (%2 m)</source><translation>%1：看这里（%2 米）</translation></message></context></TS>