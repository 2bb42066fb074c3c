<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>AlarmBar</name>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="116" />
            <source>Acknowledge alarm</source>
            <translation>确认告警</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="128" />
            <source>Alarm: %1 — %2</source>
            <translation>告警：%1 — %2</translation>
        </message>
    </context>
    <context>
        <name>CameraTree</name>
    <message>
        <source>on the wall, cell %1</source>
        <translation>已上墙：第 %1 格</translation>
    </message>
        <message>
            <location filename="../../widgets/wall/camera_tree.py" line="37" />
            <source>Search cameras</source>
            <translation>搜索摄像机</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/camera_tree.py" line="50" />
            <source>Ungrouped</source>
            <translation>未分组</translation>
        </message>
    </context>
    <context>
        <name>LayoutControls</name>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="33" />
            <source>Layout</source>
            <translation>布局</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="35" />
            <source>Wall layout (Ctrl+1 … Ctrl+6: uniform grids)</source>
            <translation>视频墙布局（Ctrl+1 … Ctrl+6：均分宫格）</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="38" />
            <source>Save as…</source>
            <translation>另存为…</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="39" />
            <source>Save this layout and its cameras under a new name</source>
            <translation>以新名称保存此布局及其摄像机</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="43" />
            <source>Tour</source>
            <translation>轮巡</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="45" />
            <source>All cameras</source>
            <translation>全部摄像机</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="53" />
            <source> s</source>
            <translation> 秒</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="55" />
            <location filename="../../widgets/wall/layout_controls.py" line="99" />
            <source>Start tour</source>
            <translation>开始轮巡</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="57" />
            <source>Cycle the whole wall through the chosen camera group</source>
            <translation>整面视频墙按所选分组轮流显示摄像机</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="61" />
            <source>Screens</source>
            <translation>多屏</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="62" />
            <source>Open a full-screen wall on every other monitor</source>
            <translation>在其他每台显示器上打开全屏视频墙</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/layout_controls.py" line="99" />
            <source>Stop tour</source>
            <translation>停止轮巡</translation>
        </message>
    </context>
    <context>
        <name>MonitorWalls</name>
        <message>
            <location filename="../../widgets/wall/monitor_walls.py" line="54" />
            <source>Video wall</source>
            <translation>视频墙</translation>
        </message>
    </context>
    <context>
        <name>TilesGrid</name>
        <message>
            <location filename="../../widgets/wall/tiles_grid.py" line="192" />
            <source>Snapshot saved: %1</source>
            <translation>抓拍已保存：%1</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tiles_grid.py" line="195" />
            <source>Snapshot failed: %1</source>
            <translation>抓拍失败：%1</translation>
        </message>
    </context>
    <context>
        <name>VideoTile</name>
    <message>
        <source>Connection problem; reconnecting</source>
        <translation>连接异常，正在重连</translation>
    </message>
    <message>
        <source>The stream ended; reconnecting</source>
        <translation>视频流已结束，正在重连</translation>
    </message>
    <message>
        <source>Not watched for %1 s: disconnected until shown</source>
        <translation>%1 秒无人观看，已断开，显示时重连</translation>
    </message>
    <message>
        <source>Shown again; connecting…</source>
        <translation>重新显示，正在连接…</translation>
    </message>
    <message>
        <source>Connection lost; reconnecting in %1 s</source>
        <translation>连接中断，%1 秒后重连</translation>
    </message>
    <message>
        <source>Cannot open the stream; trying again another way</source>
        <translation>无法打开视频流，正在换用其他方式重试</translation>
    </message>
    <message>
        <source>No picture within %1 s</source>
        <translation>%1 秒内无画面</translation>
    </message>
    <message>
        <source>No new picture for %1 s</source>
        <translation>%1 秒无新画面</translation>
    </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="73" />
            <source>Snapshot</source>
            <translation>抓拍</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="74" />
            <source>Save the current picture at full resolution as evidence</source>
            <translation>以全分辨率保存当前画面作为证据</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="93" />
            <source>No camera in this cell: drag one here from the camera list</source>
            <translation>此格无摄像机：请从摄像机列表拖入</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="95" />
            <source>Camera %1 is not in the configuration</source>
            <translation>摄像机 %1 不在配置中</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="97" />
            <source>Connecting…</source>
            <translation>连接中…</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="113" />
            <source>Live</source>
            <translation>在线</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="113" />
            <source>Stalled</source>
            <translation>卡顿</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="113" />
            <source>Offline</source>
            <translation>离线</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="114" />
            <source>Connecting</source>
            <translation>连接中</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="114" />
            <source>Standby</source>
            <translation>待机</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="114" />
            <source>Missing</source>
            <translation>缺失</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/tile.py" line="115" />
            <source>Empty</source>
            <translation>空闲</translation>
        </message>
    </context>
    <context>
        <name>WallScreen</name>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="43" />
            <source>Video wall</source>
            <translation>视频墙</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="103" />
            <source>Layout</source>
            <translation>布局</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="103" />
            <source>Cannot load layout: %1</source>
            <translation>无法加载布局：%1</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="150" />
            <source>Save layout as</source>
            <translation>布局另存为</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="150" />
            <source>Layout name:</source>
            <translation>布局名称：</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="170" />
            <source>Stop tour</source>
            <translation>停止轮巡</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="168" />
            <source>Tour this cell through the selected group</source>
            <translation>此格按所选分组轮巡</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="174" />
            <source>Single view (main stream)</source>
            <translation>单画面（主码流）</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="178" />
            <source>Reconnect now</source>
            <translation>立即重连</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="180" />
            <source>Snapshot</source>
            <translation>抓拍</translation>
        </message>
        <message>
            <location filename="../../widgets/wall/wall_screen.py" line="182" />
            <source>Clear cell</source>
            <translation>清空此格</translation>
        </message>
        <message>
            <source>You may not save wall layouts (missing permission %1).</source>
            <translation>您无权保存视频墙布局（缺少权限 %1）。</translation>
        </message>
    </context>
<context>
    <name>SnapshotToast</name>
    <message>
        <source>Snapshot failed</source>
        <translation>抓拍失败</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>保存位置：%1</translation>
    </message>
    <message>
        <source>Snapshot saved</source>
        <translation>抓拍已保存</translation>
    </message>
</context>
</TS>
