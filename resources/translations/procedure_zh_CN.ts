<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
    <name>ProcedureTabs</name>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="31" />
        <source>Enforcement procedure</source>
        <translation>执法程序</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="34" />
        <source>Parties</source>
        <translation>当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/procedure_tabs.py" line="37" />
        <source>Disclosure</source>
        <translation>执法公示</translation>
    </message>
</context>
</TS>