<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CaseTimeline</name>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="45"/>
        <source>No case selected</source>
        <translation>未选择案件</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="51"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="51"/>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="51"/>
        <source>What</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="51"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="69"/>
        <source>Case created</source>
        <translation>案件创建</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="70"/>
        <source>Registered</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="71"/>
        <source>Rejected</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="72"/>
        <source>Dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="73"/>
        <source>Handled</source>
        <translation>处置</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="74"/>
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="75"/>
        <source>Verified</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="76"/>
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="77"/>
        <source>Suspended</source>
        <translation>挂起</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="78"/>
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="79"/>
        <source>Transferred</source>
        <translation>移交</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="80"/>
        <source>Investigation</source>
        <translation>调查取证</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="81"/>
        <source>Decision</source>
        <translation>处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="82"/>
        <source>Execution</source>
        <translation>执行</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="83"/>
        <source>Archived</source>
        <translation>结案归档</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="84"/>
        <source>Party identified</source>
        <translation>确认当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="85"/>
        <source>Evidence added</source>
        <translation>添加证据</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="86"/>
        <source>Evidence integrity check failed</source>
        <translation>证据完整性校验失败</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="87"/>
        <source>Decision recorded</source>
        <translation>记录处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="88"/>
        <source>Legal review</source>
        <translation>法制审核</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="89"/>
        <source>Document issued</source>
        <translation>出具文书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="90"/>
        <source>Action refused</source>
        <translation>操作被拒绝</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="123"/>
        <source>Case %1 not found</source>
        <translation>未找到案件 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/timeline.py" line="137"/>
        <source>%1 entries · status %2</source>
        <translation>共 %1 条记录 · 状态 %2</translation>
    </message>
</context>
<context>
    <name>DecisionPanel</name>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="69"/>
        <source>Decision</source>
        <translation>处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="72"/>
        <source>Party and history</source>
        <translation>当事人及违法记录</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="81"/>
        <source>Violation and circumstances</source>
        <translation>违法行为与情节</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="97"/>
        <source>Circumstances (the most serious sets the level):</source>
        <translation>违法情节（以最严重的情节确定裁量等级）：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="99"/>
        <source>Lighter / heavier factors:</source>
        <translation>从轻 / 从重情节：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="101"/>
        <source>Findings on the spot:</source>
        <translation>现场认定：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="106"/>
        <source>Legal review and documents</source>
        <translation>法制审核与执法文书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="109"/>
        <source>Record decision</source>
        <translation>记录处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="112"/>
        <source>Order to correct</source>
        <translation>责令改正通知书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="113"/>
        <source>On-site inspection record</source>
        <translation>现场检查笔录</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="114"/>
        <source>Administrative penalty decision</source>
        <translation>行政处罚决定书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="115"/>
        <source>Decision not to impose a penalty</source>
        <translation>不予行政处罚决定书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="117"/>
        <source>Generate document</source>
        <translation>生成文书</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="145"/>
        <source>Decision for case %1</source>
        <translation>案件 %1 的处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="148"/>
        <source>(party not identified)</source>
        <translation>（当事人未确认）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="225"/>
        <source> (first-violation leniency)</source>
        <translation>（已适用首违不罚）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="227"/>
        <source>No earlier decisions for this party</source>
        <translation>该当事人无历史处理记录</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="241"/>
        <source>Decision may be issued: </source>
        <translation>可以作出处理决定：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="242"/>
        <source>Decision may not be issued yet: </source>
        <translation>暂不能作出处理决定：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="249"/>
        <source>Pick the circumstances first.</source>
        <translation>请先选择违法情节。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="253"/>
        <source>A deviation from the proposal needs a reason.</source>
        <translation>偏离系统建议须填写理由。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="269"/>
        <source>Decision recorded.</source>
        <translation>处理决定已记录。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="278"/>
        <source>Generating the document…</source>
        <translation>正在生成文书…</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/decision_panel.py" line="288"/>
        <source>Document %1 issued: %2</source>
        <translation>文书 %1 已出具：%2</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="33"/>
        <source>Log in — Smart Urban Management Command Center</source>
        <translation>登录 — 智慧城管指挥中心</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="36"/>
        <location filename="../../widgets/enforcement/login.py" line="47"/>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="39"/>
        <location filename="../../widgets/enforcement/login.py" line="53"/>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="42"/>
        <location filename="../../widgets/enforcement/login.py" line="54"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="48"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="66"/>
        <source>Enter your username and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="69"/>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="84"/>
        <source>Wrong username or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="85"/>
        <source>This account is locked after repeated failed logins. Try again later or ask the shift leader to reset the password.</source>
        <translation>该账号因多次登录失败已被锁定，请稍后再试或请值班长重置密码。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="87"/>
        <source>This account is disabled.</source>
        <translation>该账号已停用。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/login.py" line="90"/>
        <source>Login failed: %1</source>
        <translation>登录失败：%1</translation>
    </message>
</context>
<context>
    <name>ProposalView</name>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="31"/>
        <source>Proposal</source>
        <translation>系统建议</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="44"/>
        <source> yuan</source>
        <translation> 元</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="47"/>
        <source>Reason for deviating from the proposal (required when deviating)</source>
        <translation>偏离系统建议的理由（偏离时必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="50"/>
        <source>Mark as major decision (requires legal review)</source>
        <translation>标记为重大执法决定（须经法制审核）</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="52"/>
        <source>First-violation leniency</source>
        <translation>首违不罚</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="53"/>
        <source>Discretion standard</source>
        <translation>裁量基准</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="54"/>
        <source>Outcome</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="55"/>
        <source>Fine</source>
        <translation>罚款</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="56"/>
        <source>Deviation reason</source>
        <translation>偏离理由</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="66"/>
        <source>Pick at least one circumstance.</source>
        <translation>请至少选择一项违法情节。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="76"/>
        <source>Proposed: %1 + %2</source>
        <translation>建议：%1 + %2</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="77"/>
        <source>Not applicable: </source>
        <translation>不适用：</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="98"/>
        <source>Deviation from the proposal: a reason is required and recorded.</source>
        <translation>偏离系统建议：须填写理由并记录在案。</translation>
    </message>
    <message>
        <location filename="../../widgets/enforcement/proposal_view.py" line="101"/>
        <source>Following the proposal.</source>
        <translation>采纳系统建议。</translation>
    </message>
</context>
</TS>
