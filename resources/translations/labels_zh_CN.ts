<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actor</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="163" />
        <source>System</source>
        <translation>系统</translation>
    </message>
</context>
<context>
    <name>CaseAction</name>
    <message>
        <source>placed the case on the map</source>
        <translation>地图定位</translation>
    </message>
    <message>
        <source>urged the case on</source>
        <translation>催办</translation>
    </message>
    <message>
        <source>put the case under supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="89" />
        <source>reported</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="90" />
        <source>registered</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="91" />
        <source>declined to register</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="92" />
        <source>dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="93" />
        <source>arrived on scene</source>
        <translation>到场处置</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="94" />
        <source>reported back</source>
        <translation>处理反馈</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="95" />
        <source>verified</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="96" />
        <source>closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="97" />
        <source>sent back for rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="98" />
        <source>suspended</source>
        <translation>缓办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="99" />
        <source>resumed</source>
        <translation>恢复办理</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="100" />
        <source>extended the deadline</source>
        <translation>延期</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="101" />
        <source>returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="102" />
        <source>transferred</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="103" />
        <source>summoned departments</source>
        <translation>吹哨报到</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="104" />
        <source>opened an investigation</source>
        <translation>调查取证</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="105" />
        <source>proposed a decision</source>
        <translation>处理决定</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="106" />
        <source>reviewed the legality</source>
        <translation>法制审核</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="107" />
        <source>executed the decision</source>
        <translation>执行</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="108" />
        <source>archived</source>
        <translation>结案归档</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="109" />
        <source>merged into another case</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="111" />
        <source>merged a duplicate report in</source>
        <translation>并入重复案件</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="112" />
        <source>escalated</source>
        <translation>超时升级</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="113" />
        <source>updated a department task</source>
        <translation>更新联合执法任务</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="114" />
        <source>added evidence</source>
        <translation>添加证据</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="115" />
        <source>accepted the task on the phone</source>
        <translation>接单</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="115" />
        <source>approved the request</source>
        <translation>批准申请</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="116" />
        <source>asked to suspend</source>
        <translation>申请缓办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="117" />
        <source>asked for more time</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="118" />
        <source>refused the suspension</source>
        <translation>驳回缓办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="119" />
        <source>refused the extension</source>
        <translation>驳回延期</translation>
    </message>
</context>
<context>
    <name>CaseStatus</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="68" />
        <source>Awaiting registration</source>
        <translation>待立案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="69" />
        <source>Registered</source>
        <translation>已立案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="70" />
        <source>Not registered</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="71" />
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="72" />
        <source>Being handled</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="73" />
        <source>Handled</source>
        <translation>已处置</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="74" />
        <source>Being verified</source>
        <translation>核查中</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="75" />
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="76" />
        <source>Suspended</source>
        <translation>缓办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="77" />
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="78" />
        <source>Transferred</source>
        <translation>已转办</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="79" />
        <source>Joint enforcement</source>
        <translation>联合执法</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="80" />
        <source>Investigating</source>
        <translation>调查取证</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="81" />
        <source>Awaiting decision</source>
        <translation>处理决定</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="82" />
        <source>Executing</source>
        <translation>执行中</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="83" />
        <source>Archived</source>
        <translation>结案归档</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="84" />
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
</context>
<context>
    <name>Escalation</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="159" />
        <source>due soon</source>
        <translation>即将超时</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="160" />
        <source>overdue</source>
        <translation>已超时</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="123" />
        <source>Duty chief</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="124" />
        <source>Dispatcher</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="125" />
        <source>Drone pilot</source>
        <translation>飞手</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="126" />
        <source>Leader</source>
        <translation>领导</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="127" />
        <source>Legal reviewer</source>
        <translation>法制审核员</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="128" />
        <source>Observer</source>
        <translation>观察</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="129" />
        <source>Intake channel</source>
        <translation>接入通道</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="130" />
        <source>Field officer</source>
        <translation>外勤队员</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="132" />
        <source>Partner department</source>
        <translation>联动部门</translation>
    </message>
</context>
<context>
    <name>TaskStatus</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="141" />
        <source>Summoned</source>
        <translation>已吹哨</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="142" />
        <source>Reported in</source>
        <translation>已报到</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="143" />
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="144" />
        <source>Refused</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>UnitStatus</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="133" />
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="134" />
        <source>En route</source>
        <translation>出警</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="135" />
        <source>On scene</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="136" />
        <source>Resting</source>
        <translation>休息</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="137" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
</context>
<context>
    <name>ZoneKind</name>
    <message>
        <location filename="../../commandcenter/labels.py" line="149" />
        <source>Designated vending area</source>
        <translation>疏导点</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="150" />
        <source>Control point</source>
        <translation>管控点</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="151" />
        <source>Feature spot</source>
        <translation>特色点</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="152" />
        <source>No-vending zone</source>
        <translation>禁止设摊区</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="153" />
        <source>Unit grid cell</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../commandcenter/labels.py" line="154" />
        <source>Responsibility area</source>
        <translation>责任区</translation>
    </message>
</context>
</TS>