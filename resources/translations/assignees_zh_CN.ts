<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Assignees</name>
    <message>
        <source>Officer</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <source>Sanitation worker</source>
        <translation>环卫工人</translation>
    </message>
    <message>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
</context>
<context>
    <name>RecommendationPanel</name>
    <message>
        <source>Recommended units (drag onto a case or click Dispatch)</source>
        <translation>推荐处置力量（拖到案件上或点击派遣）</translation>
    </message>
    <message>
        <source>Dispatch selected unit</source>
        <translation>派遣选中对象</translation>
    </message>
    <message>
        <source>No unit to recommend: no officer, worker or vehicle is idle, on shift and with a recent position (see the Units tab).</source>
        <translation>暂无可推荐对象：没有空闲、在班且有近期定位的队员、环卫工人或车辆（见“力量状态”页）。</translation>
    </message>
    <message>
        <source>travel %1 min</source>
        <translation>行程约 %1 分钟</translation>
    </message>
    <message>
        <source>(straight-line estimate)</source>
        <translation>（直线估算）</translation>
    </message>
</context>
<context>
    <name>DispatchScreen</name>
    <message>
        <source>Assigned to</source>
        <translation>处置对象</translation>
    </message>
</context>
<context>
    <name>CaseDetailView</name>
    <message>
        <source>Assigned to</source>
        <translation>处置对象</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>Assigned to</source>
        <translation>处置对象</translation>
    </message>
</context>
</TS>
