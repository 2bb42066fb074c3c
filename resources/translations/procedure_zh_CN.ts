<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DepartmentPanel</name>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="233" />
        <source>Joint tasks</source>
        <translation>联动任务</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="238" />
        <source>Directory of departments</source>
        <translation>部门名录</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="240" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="265" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="240" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="266" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="240" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="267" />
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="241" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="268" />
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="241" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="269" />
        <source>Seat account</source>
        <translation>席位账号</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="242" />
        <location filename="../../widgets/enforcement/joint_panel.py" line="270" />
        <source>Report within (h)</source>
        <translation>报到时限（小时）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="259" />
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="261" />
        <source>Save department</source>
        <translation>保存部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="296" />
        <source> (inactive)</source>
        <translation>（停用）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="301" />
        <source>%1 open tasks, %2 overdue</source>
        <translation>未完成任务 %1 项，超时 %2 项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="327" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="333" />
        <source>Select a task first.</source>
        <translation>请先选择一项任务。</translation>
    </message>
</context>
<context>
    <name>DisclosurePanel</name>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="66" />
        <source>Enforcement disclosure</source>
        <translation>行政执法公示</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="74" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="76" />
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="79" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="79" />
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="89" />
        <source>Decisions of closed cases only; names, ID numbers, phones, plates and house numbers are masked as published.</source>
        <translation>仅公示已结案的处罚决定；姓名、证件号码、电话、车牌和门牌号按公示规则脱敏。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="118" />
        <source>%1 decisions in the period</source>
        <translation>期间内共 %1 条决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="122" />
        <source>Export enforcement disclosure</source>
        <translation>导出行政执法公示</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="124" />
        <source>Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)</source>
        <translation>Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/disclosure_panel.py" line="137" />
        <source>%1 decisions written to %2</source>
        <translation>已将 %1 条决定写入 %2</translation>
    </message>
</context>
<context>
    <name>InspectionPanel</name>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="53" />
        <source>Joint inspection (one visit)</source>
        <translation>综合查一次</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="56" />
        <source>Plan a visit</source>
        <translation>制定检查计划</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="64" />
        <source>Check item of this department</source>
        <translation>该部门的检查事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="65" />
        <source>Add item</source>
        <translation>添加事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="69" />
        <source>Plan the visit</source>
        <translation>制定计划</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="72" />
        <location filename="../../widgets/enforcement/inspection_panel.py" line="84" />
        <source>Business</source>
        <translation>经营主体</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="73" />
        <location filename="../../widgets/enforcement/inspection_panel.py" line="84" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="74" />
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="79" />
        <source>Check items</source>
        <translation>检查事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="84" />
        <source>Departments</source>
        <translation>联动部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="85" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="85" />
        <location filename="../../widgets/enforcement/inspection_panel.py" line="97" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="95" />
        <source>Results of the visit (recorded once for every department)</source>
        <translation>检查结果（各部门一次录入）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="97" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="97" />
        <source>Check item</source>
        <translation>检查事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="98" />
        <source>Finding</source>
        <translation>发现问题</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="103" />
        <source>Overall conclusion</source>
        <translation>综合结论</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="104" />
        <source>Record results</source>
        <translation>录入结果</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="143" />
        <source>%1 failed</source>
        <translation>%1 项不合格</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="143" />
        <source>all passed</source>
        <translation>全部合格</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="146" />
        <source>recorded</source>
        <translation>已录入</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="146" />
        <source>planned</source>
        <translation>已计划</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="183" />
        <source>Pick a department and type its check item.</source>
        <translation>请选择部门并填写检查事项。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="192" />
        <source>Record the business as a party first.</source>
        <translation>请先将经营主体登记为当事人。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="203" />
        <source>Visit planned: %1 departments at %2</source>
        <translation>已制定计划：%1 个部门联合检查 %2</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="218" />
        <source>Select a planned visit first.</source>
        <translation>请先选择一项检查计划。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/inspection_panel.py" line="231" />
        <source>Results recorded for %1</source>
        <translation>已录入 %1 的检查结果</translation>
    </message>
</context>
<context>
    <name>JointPanel</name>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="115" />
        <source>Joint enforcement</source>
        <translation>联合执法</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="119" />
        <source>Summon departments (吹哨)</source>
        <translation>吹哨（召集部门）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="124" />
        <source>What each department is asked to do</source>
        <translation>各部门的任务</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="125" />
        <source>Summon</source>
        <translation>吹哨报到</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="160" />
        <source>Overdue: %1</source>
        <translation>超时未报到：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="184" />
        <source>Tick the departments to summon.</source>
        <translation>请勾选要召集的部门。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="191" />
        <source>Summoned: case %1 is now in joint enforcement</source>
        <translation>已吹哨：案件 %1 进入联合执法</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="199" />
        <source>Select a task first.</source>
        <translation>请先选择一项任务。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="205" />
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>PartyPanel</name>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="79" />
        <source>Parties</source>
        <translation>当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="85" />
        <source>Record a party</source>
        <translation>登记当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="87" />
        <source>Person</source>
        <translation>自然人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="87" />
        <source>Business (个体工商户/单位)</source>
        <translation>个体工商户/单位</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="88" />
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="93" />
        <source>18 digits, checked</source>
        <translation>18位，自动校验</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="95" />
        <source>18 characters, checked</source>
        <translation>18位，自动校验</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="101" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="102" />
        <source>Name</source>
        <translation>姓名/名称</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="104" />
        <source>ID number</source>
        <translation>身份证号码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="104" />
        <source>Unified social credit code</source>
        <translation>统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="104" />
        <source>Licence</source>
        <translation>营业执照/许可证号</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="108" />
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="109" />
        <source>Plate</source>
        <translation>车牌号码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="110" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="111" />
        <source>Record party for this case</source>
        <translation>登记为本案当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="115" />
        <source>Find a known party</source>
        <translation>查找已有当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="117" />
        <source>ID number, credit code, phone, plate or name</source>
        <translation>身份证号、统一社会信用代码、电话、车牌或姓名</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="119" />
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="124" />
        <source>Pick for this case</source>
        <translation>选为本案当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="134" />
        <source>Cases of the selected party</source>
        <translation>所选当事人的历史案件</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="161" />
        <source>Parties of case %1</source>
        <translation>案件 %1 的当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="176" />
        <source>No party recorded yet: record one or find a known one.</source>
        <translation>尚未登记当事人：请登记或查找已有当事人。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="185" />
        <source>%1 parties found</source>
        <translation>找到 %1 个当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="198" />
        <source>no decision</source>
        <translation>未作决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="199" />
        <source> (first-violation leniency)</source>
        <translation>（首违不罚/从轻）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="217" />
        <source>Party recorded.</source>
        <translation>当事人已登记。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="222" />
        <source>Search and select a party first.</source>
        <translation>请先查询并选择当事人。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="226" />
        <source>Party picked for this case.</source>
        <translation>已选为本案当事人。</translation>
    </message>
</context>
<context>
    <name>PartyTable</name>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="38" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="38" />
        <source>Name</source>
        <translation>姓名/名称</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="38" />
        <source>ID number / credit code</source>
        <translation>身份证号/统一社会信用代码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="39" />
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="39" />
        <source>Plate</source>
        <translation>车牌号码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/party_panel.py" line="39" />
        <source>Cases</source>
        <translation>案件数</translation>
    </message>
</context>
<context>
    <name>PowersPanel</name>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="40" />
        <source>List of enforcement powers</source>
        <translation>权力清单</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="43" />
        <source>Item code, name, legal basis, violation code or category</source>
        <translation>事项编码、名称、法律依据、违法行为代码或案件类别</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="45" />
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="47" />
        <source>Powers of this case</source>
        <translation>本案适用事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="54" />
        <source>Code</source>
        <translation>事项编码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="54" />
        <source>Item</source>
        <translation>事项名称</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="54" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="55" />
        <source>Violation codes</source>
        <translation>违法行为代码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="55" />
        <source>Categories</source>
        <translation>案件类别</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="88" />
        <source>%1 powers apply to case %2</source>
        <translation>案件 %2 适用 %1 项权力事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="94" />
        <source>%1 powers found</source>
        <translation>找到 %1 项权力事项</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="116" />
        <source>Legal basis: %1</source>
        <translation>设定依据：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="117" />
        <source>Penalty basis: %1</source>
        <translation>处罚依据：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/powers_panel.py" line="118" />
        <source>Discretion: %1</source>
        <translation>裁量基准：%1</translation>
    </message>
</context>
<context>
    <name>ProcedurePanel</name>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="57" />
        <source>Procedure</source>
        <translation>执法程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="66" />
        <source>General procedure</source>
        <translation>一般程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="67" />
        <source>Serve prior notice</source>
        <translation>送达事先告知书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="71" />
        <source>What the party stated in defence</source>
        <translation>当事人陈述申辩内容</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="72" />
        <source>Party waived the statement</source>
        <translation>当事人放弃陈述申辩</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="73" />
        <source>Record statement</source>
        <translation>记录陈述申辩</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="75" />
        <source>Issue decision</source>
        <translation>作出处罚决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="79" />
        <source>How it was carried out (receipt number, correction)</source>
        <translation>执行情况（缴款票据号、改正情况）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="80" />
        <source>Record execution</source>
        <translation>登记执行</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="82" />
        <source>Close and archive</source>
        <translation>结案归档</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="86" />
        <source>1. Notice</source>
        <translation>1. 事先告知</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="91" />
        <source>2. Statement</source>
        <translation>2. 陈述申辩</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="92" />
        <source>3. Decision</source>
        <translation>3. 处罚决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="96" />
        <source>4. Execution</source>
        <translation>4. 执行</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="97" />
        <source>5. Archive</source>
        <translation>5. 结案归档</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="99" />
        <source>Summary procedure (on-the-spot fine: ≤200 yuan a citizen, ≤3000 an organisation)</source>
        <translation>简易程序（当场处罚：公民200元以下，法人或其他组织3000元以下）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="112" />
        <source>Fine on the spot</source>
        <translation>当场处罚</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="115" />
        <source>Party</source>
        <translation>当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="116" />
        <source>Violation</source>
        <translation>违法行为</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="117" />
        <source>Circumstance</source>
        <translation>情节</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="118" />
        <source>Fine</source>
        <translation>罚款</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="119" />
        <source>Party's statement</source>
        <translation>当事人陈述申辩</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="143" />
        <location filename="../../widgets/enforcement/procedure_panel.py" line="160" />
        <source>Procedure of case %1</source>
        <translation>案件 %1 的执法程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="161" />
        <source>Decision: %1</source>
        <translation>处理决定：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="162" />
        <source>none yet</source>
        <translation>尚未作出</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="167" />
        <source>Next step: %1</source>
        <translation>下一步：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="171" />
        <source>, statement until %1</source>
        <translation>，陈述申辩期至 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="176" />
        <source>No step taken yet</source>
        <translation>尚未办理任何程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="213" />
        <source>Record the party first (Parties tab).</source>
        <translation>请先登记当事人（当事人页）。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="223" />
        <source>Working… (documents are rendered and numbered)</source>
        <translation>办理中……（正在生成并编号文书）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_panel.py" line="228" />
        <source>Done: %1 %2</source>
        <translation>已完成：%1 %2</translation>
    </message>
</context>
<context>
    <name>ProcedureTabs</name>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="40" />
        <source>Enforcement procedure</source>
        <translation>执法程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="43" />
        <source>Parties</source>
        <translation>当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="50" />
        <source>Procedure</source>
        <translation>执法程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="53" />
        <source>Legal review</source>
        <translation>法制审核</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="60" />
        <source>Joint enforcement</source>
        <translation>联合执法</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="64" />
        <source>Departments</source>
        <translation>联动部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="69" />
        <source>Joint inspection</source>
        <translation>综合查一次</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="72" />
        <source>Powers</source>
        <translation>权力清单</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="82" />
        <source>Disclosure</source>
        <translation>执法公示</translation>
    </message>
</context>
<context>
    <name>ReviewQueuePanel</name>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="43" />
        <source>Legal review queue</source>
        <translation>法制审核待办</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="46" />
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="46" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="46" />
        <source>Party</source>
        <translation>当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="47" />
        <source>Proposed decision</source>
        <translation>拟处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="47" />
        <source>Why major</source>
        <translation>重大原因</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="48" />
        <source>Decided by</source>
        <translation>承办人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="48" />
        <source>Submitted</source>
        <translation>提交时间</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="56" />
        <source>Review opinion (required to return a decision)</source>
        <translation>审核意见（退回时必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="58" />
        <source>Approve</source>
        <translation>审核通过</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="60" />
        <source>Return with reasons</source>
        <translation>退回并说明理由</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="62" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="93" />
        <source>No decision awaits review.</source>
        <translation>暂无待审核的决定。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="99" />
        <source>Select a decision first.</source>
        <translation>请先选择一项决定。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="107" />
        <source>Approved.</source>
        <translation>已审核通过。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/review_panel.py" line="107" />
        <source>Returned to the case officer.</source>
        <translation>已退回承办人。</translation>
    </message>
</context>
<context>
    <name>TaskActions</name>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="88" />
        <source>Note (required to refuse)</source>
        <translation>备注（拒绝时必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="89" />
        <source>Report in</source>
        <translation>报到</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="90" />
        <source>Finished</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="91" />
        <source>Refuse</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>TaskTable</name>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="53" />
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="53" />
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="53" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="54" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="54" />
        <source>Due</source>
        <translation>报到时限</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="54" />
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="54" />
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="55" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/joint_panel.py" line="69" />
        <source> (overdue)</source>
        <translation>（已超时）</translation>
    </message>
</context>
</TS>