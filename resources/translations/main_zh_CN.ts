<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>BriefingScreen</name>
        <message>
            <location filename="../../widgets/briefing.py" line="200" />
            <source>Work calendar has no holidays for %1: holidays count as working days (import them: commandcenter data import calendar)</source>
            <translation>工作日历缺少 %1 年的节假日：节假日将按工作日计算时限（请导入：commandcenter data import calendar）</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="194" />
            <source>You may not export reports (missing permission %1).</source>
            <translation>您无权导出报告（缺少权限 %1）。</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="80" />
            <source>Officers on duty</source>
            <translation>在岗队员</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="68" />
            <location filename="../../widgets/briefing.py" line="224" />
            <source>Leadership briefing</source>
            <translation>领导驾驶舱</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="71" />
            <source>Export report (PDF)…</source>
            <translation>导出报告(PDF)…</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="81" />
            <source>Vehicles online</source>
            <translation>在线车辆</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="82" />
            <source>Drones airborne</source>
            <translation>在飞无人机</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="83" />
            <source>Devices online</source>
            <translation>设备在线</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="84" />
            <source>Cases today</source>
            <translation>今日案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="85" />
            <source>Open cases</source>
            <translation>在办案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="86" />
            <source>Overdue</source>
            <translation>超期案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="87" />
            <source>Closed today</source>
            <translation>今日结案</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="88" />
            <source>Median dispatch time (min)</source>
            <translation>派遣用时中位数(分钟)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="89" />
            <source>Median response time (min)</source>
            <translation>响应用时中位数(分钟)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="96" />
            <source>Cases reported today by hour</source>
            <translation>今日各时段上报案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="99" />
            <source>Cases today by channel</source>
            <translation>今日案件来源</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="104" />
            <location filename="../../widgets/briefing.py" line="106" />
            <source>Category</source>
            <translation>类别</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="104" />
            <location filename="../../widgets/briefing.py" line="209" />
            <source>Cases</source>
            <translation>案件数</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="104" />
            <source>Dispatch (min)</source>
            <translation>派遣用时(分钟)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="105" />
            <source>Response (min)</source>
            <translation>响应用时(分钟)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="105" />
            <source>On scene (min)</source>
            <translation>现场处置(分钟)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="106" />
            <source>Case</source>
            <translation>案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="106" />
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="107" />
            <source>Time left (h)</source>
            <translation>剩余时限(小时)</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="107" />
            <source>Officer</source>
            <translation>执法队员</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="108" />
            <source>Handling times today by category (medians)</source>
            <translation>今日各类案件处置时效（中位数）</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="108" />
            <source>On scene within 30 min</source>
            <translation>30分钟内到场</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="108" />
            <source>Handled within 24 h</source>
            <translation>24小时内处置</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="108" />
            <source>Within target by channel (last 7 days)</source>
            <translation>各来源按时响应率（近7天）</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="110" />
            <source>Supervision list: overdue and about to be overdue</source>
            <translation>督办清单：超期及即将超期案件</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="180" />
            <source>Updated %1</source>
            <translation>更新于 %1</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="184" />
            <source>Export report</source>
            <translation>导出报告</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="207" />
            <source>Figure</source>
            <translation>指标</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="207" />
            <source>Value</source>
            <translation>数值</translation>
        </message>
        <message>
            <location filename="../../widgets/briefing.py" line="209" />
            <source>Channel</source>
            <translation>来源渠道</translation>
        </message>
    </context>
    <context>
        <name>EventsDock</name>
        <message>
            <location filename="../../widgets/docks.py" line="32" />
            <source>Events</source>
            <translation>事件</translation>
        </message>
    </context>
    <context>
        <name>HealthDock</name>
        <message>
            <location filename="../../widgets/docks.py" line="51" />
            <source>Device health</source>
            <translation>设备状态</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="55" />
            <source>Device</source>
            <translation>设备</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="55" />
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="55" />
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="55" />
            <source>Messages</source>
            <translation>消息数</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="55" />
            <source>Bad</source>
            <translation>错误</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="56" />
            <source>Reconnects</source>
            <translation>重连</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>Refused fixes</source>
            <translation>拒收定位</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>Connections closed</source>
            <translation>让位/超时/拒绝</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="87" />
            <source>evicted to make room: %1
timed out: %2
refused at the cap: %3</source>
            <translation>为新连接让位关闭：%1
超时关闭：%2
达上限拒绝：%3</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>no GPS fix</source>
            <translation>无卫星定位</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>(0, 0)</source>
            <translation>(0, 0) 坐标</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>out of range</source>
            <translation>坐标超出范围</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>dated in the future</source>
            <translation>时间超前</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>too old</source>
            <translation>时间过旧</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>bad time</source>
            <translation>时间无效</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>unregistered device</source>
            <translation>未登记设备</translation>
        </message>
        <message>
            <location filename="../../widgets/docks.py" line="57" />
            <source>impossible jump</source>
            <translation>不可能的跳变</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <location filename="../../widgets/main_window.py" line="32" />
            <source>Video wall</source>
            <translation>视频墙</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="33" />
            <source>Map</source>
            <translation>地图</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="34" />
            <source>Dispatch</source>
            <translation>调度</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="35" />
            <source>Drones</source>
            <translation>无人机</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="36" />
            <source>Leadership briefing</source>
            <translation>领导驾驶舱</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="102" />
            <source>Smart urban management command center</source>
            <translation>智慧城管指挥中心</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="114" />
            <source>Open in own window</source>
            <translation>在独立窗口打开</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="115" />
            <source>Show the current screen in its own window (e.g. on another monitor)</source>
            <translation>在独立窗口中显示当前屏幕（例如放到另一台显示器）</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="121" />
            <source>View</source>
            <translation>视图</translation>
        </message>
    </context>
    <context>
        <name>Screens</name>
        <message>
            <location filename="../../widgets/screens.py" line="50" />
            <source>You may not view this screen (missing permission %1).</source>
            <translation>您无权查看此屏幕（缺少权限 %1）。</translation>
        </message>
        <message>
            <location filename="../../widgets/screens.py" line="104" />
            <source>Full-process record</source>
            <translation>全过程记录</translation>
        </message>
        <message>
            <location filename="../../widgets/screens.py" line="105" />
            <source>Penalty decision</source>
            <translation>处罚决定</translation>
        </message>
    </context>
    <context>
        <name>StatusLine</name>
        <message>
            <location filename="../../widgets/main_window.py" line="86" />
            <source>Bus offline</source>
            <translation>总线离线</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="87" />
            <source>Server offline</source>
            <translation>服务器离线</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="91" />
            <source>The last known picture is shown; it updates again by itself when the connection is back</source>
            <translation>当前显示最后已知画面；连接恢复后自动更新</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="90" />
            <source>User: %1</source>
            <translation>用户：%1</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="91" />
            <source>Devices online: %1</source>
            <translation>设备在线：%1</translation>
        </message>
        <message>
            <location filename="../../widgets/main_window.py" line="92" />
            <source>Database: %1</source>
            <translation>数据库：%1</translation>
        </message>
    </context>
    <context>
        <name>UnitStatusMenu</name>
        <message>
            <source>Available</source>
            <translation>空闲</translation>
        </message>
        <message>
            <source>Resting</source>
            <translation>休息</translation>
        </message>
        <message>
            <source>Offline</source>
            <translation>离线</translation>
        </message>
        <message>
            <source>Set status of %1</source>
            <translation>设置 %1 的状态</translation>
        </message>
        <message>
            <source>Not allowed to set unit status (missing permission %1)</source>
            <translation>无权设置单位状态（缺少权限 %1）</translation>
        </message>
        <message>
            <source>Status not changed: %1</source>
            <translation>状态未更改：%1</translation>
        </message>
        <message>
            <source>%1 is now %2</source>
            <translation>%1 现为%2</translation>
        </message>
    </context>
</TS>
