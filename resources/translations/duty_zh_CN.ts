<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DutyPanel</name>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>No officers yet.</source>
        <translation>暂无队员。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>Team / officer</source>
        <translation>中队 / 队员</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>Shift now</source>
        <translation>当前班次</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>On duty</source>
        <translation>在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>Off duty</source>
        <translation>下班</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>Off shift</source>
        <translation>休班</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>On shift</source>
        <translation>在班</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>On shift now: %1 officers, %2 on duty, %3 off duty; %4 officers off shift.</source>
        <translation>当前在班 %1 人，其中在岗 %2 人、下班 %3 人；休班 %4 人。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>(no team)</source>
        <translation>（未分中队）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>%1: %2 officers</source>
        <translation>%1：共 %2 人</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>all day (no roster)</source>
        <translation>全天（未排班）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/duty_panel.py" line="1"/>
        <source>off shift (%1)</source>
        <translation>休班（%1）</translation>
    </message>
</context>
</TS>
