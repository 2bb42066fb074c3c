<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>LayoutControls</name>
        <message>
            <source>Synchronised playback</source>
            <translation>同步回放</translation>
        </message>
        <message>
            <source>Play the recordings of every recording camera on the wall in step under one timeline (Ctrl+R); again: back to live</source>
            <translation>墙上所有录像摄像机在同一时间轴下同步回放（Ctrl+R）；再按一次返回实时</translation>
        </message>
    </context>
    <context>
        <name>Timeline</name>
        <message>
            <source>Click or drag to jump; Shift+drag selects a span for a clip; wheel to zoom; Space play/pause, ←/→ one frame, Shift+←/→ 10 s, ↑/↓ speed</source>
            <translation>点击或拖动跳转；按住 Shift 拖动选择片段；滚轮缩放；空格 播放/暂停，←/→ 逐帧，Shift+←/→ 10 秒，↑/↓ 倍速</translation>
        </message>
    </context>
    <context>
        <name>WallTimeline</name>
        <message>
            <source>Click or drag to jump; Shift+drag selects a span for a clip; wheel to zoom; Space play/pause, ←/→ one frame, Shift+←/→ 10 s, ↑/↓ speed</source>
            <translation>点击或拖动跳转；按住 Shift 拖动选择片段；滚轮缩放；空格 播放/暂停，←/→ 逐帧，Shift+←/→ 10 秒，↑/↓ 倍速</translation>
        </message>
        <message>
            <source>%1: recorded at %2</source>
            <translation>%1：%2 有录像</translation>
        </message>
        <message>
            <source>%1: no recording at %2</source>
            <translation>%1：%2 无录像</translation>
        </message>
    </context>
    <context>
        <name>WallSyncPlayback</name>
        <message>
            <source>Loading the recordings…</source>
            <translation>正在载入录像…</translation>
        </message>
        <message>
            <source>No camera on the wall</source>
            <translation>视频墙上没有摄像机</translation>
        </message>
        <message>
            <source>Nothing was recorded in this period</source>
            <translation>此时段没有录像</translation>
        </message>
        <message>
            <source>No case %1</source>
            <translation>没有案件 %1</translation>
        </message>
        <message>
            <source>Cannot read the recordings: %1</source>
            <translation>无法读取录像：%1</translation>
        </message>
        <message>
            <source>Synchronised playback · %1 cameras</source>
            <translation>同步回放 · %1 路</translation>
        </message>
        <message>
            <source>No recording
%1</source>
            <translation>无录像
%1</translation>
        </message>
    </context>
</TS>
