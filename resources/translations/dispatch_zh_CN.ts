<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CaseActions</name>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="32" />
        <source>Register</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="33" />
        <source>Reject</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="34" />
        <source>Dispatch</source>
        <translation>调度</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="35" />
        <source>On scene</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="36" />
        <source>Report handled</source>
        <translation>处理反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="37" />
        <source>Verify</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="38" />
        <source>Close case</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="39" />
        <source>Rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="40" />
        <source>Request suspension</source>
        <translation>申请缓办</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="41" />
        <source>Resume</source>
        <translation>恢复办理</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="42" />
        <source>Request extension</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="43" />
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="44" />
        <location filename="../../widgets/dispatch/action_bar.py" line="160" />
        <source>Transfer</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="45" />
        <source>Joint enforcement</source>
        <translation>吹哨报到</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="46" />
        <source>Investigate</source>
        <translation>调查取证</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="47" />
        <source>Decision</source>
        <translation>处理决定</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="48" />
        <source>Legal review</source>
        <translation>法制审核</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="49" />
        <source>Execute</source>
        <translation>执行</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="50" />
        <source>Archive</source>
        <translation>结案归档</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="51" />
        <source>Merge into duplicate</source>
        <translation>合并到重复案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="81" />
        <source>Reason / note (required for reject, rework, return …)</source>
        <translation>原因/备注（不予立案、返工、退回等必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="91" />
        <location filename="../../widgets/dispatch/action_bar.py" line="197" />
        <source>Approve request</source>
        <translation>批准申请</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="92" />
        <location filename="../../widgets/dispatch/action_bar.py" line="197" />
        <source>Deny request</source>
        <translation>驳回申请</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="99" />
        <source>Drone to send to the case location</source>
        <translation>派往案件现场的无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="100" />
        <location filename="../../widgets/dispatch/action_bar.py" line="215" />
        <source>Send drone</source>
        <translation>派无人机</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="101" />
        <source>Fly the drone to the case at a safe altitude, put its video on the wall and attach a snapshot as evidence</source>
        <translation>无人机以安全高度飞往案件位置，视频上墙，抓拍作为证据附入案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="106" />
        <location filename="../../widgets/dispatch/action_bar.py" line="230" />
        <source>Attach wall snapshot</source>
        <translation>附加视频墙抓拍</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="107" />
        <source>Attach the latest snapshot taken on the video wall to this case as evidence (SHA-256 recorded)</source>
        <translation>将视频墙最近一次抓拍作为证据附入本案件（记录 SHA-256）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="156" />
        <source>No officer selected to dispatch.</source>
        <translation>未选择派遣队员。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="160" />
        <source>Department to transfer to:</source>
        <translation>转办至部门：</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="165" />
        <source>Departments to summon (separated by commas):</source>
        <translation>吹哨部门（用逗号分隔）：</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="170" />
        <source>Extra working hours:</source>
        <translation>延长工作小时数：</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="178" />
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="210" />
        <source>The case has no location to fly to</source>
        <translation>案件没有可前往的位置</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="213" />
        <source>Drone %1 sent to %2</source>
        <translation>已派 %1 前往 %2</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/action_bar.py" line="227" />
        <source>No wall snapshot in the last 10 minutes: take one on the video wall first</source>
        <translation>最近10分钟内没有视频墙抓拍：请先在视频墙上抓拍</translation>
    </message>
</context>
<context>
    <name>CaseDetailView</name>
    <message>
        <source>no location</source>
        <translation>无坐标</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="22" />
        <source>Select a case in the queue.</source>
        <translation>请在队列中选择案件。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="32" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="32" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="32" />
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="33" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="33" />
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="33" />
        <source>Officer</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="34" />
        <source>Possible duplicates</source>
        <translation>疑似重复</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="34" />
        <source>Pending request</source>
        <translation>待审批申请</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="55" />
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="1" />
        <source>Officer&apos;s phone</source>
        <translation>城管通</translation>
    </message>
</context>
<context>
    <name>CasePhotos</name>
    <message>
        <source>Citizen photo</source>
        <translation>市民照片</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="1" />
        <source>loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/case_panel.py" line="1" />
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
</context>
<context>
    <name>DispatchScreen</name>
    <message>
        <source>Urge</source>
        <translation>催办</translation>
    </message>
    <message>
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Click the map (F2) where case %1 is.</source>
        <translation>请在地图（F2）上点击案件 %1 的位置。</translation>
    </message>
    <message>
        <source>No recommendation: the case is %1, it needs no officer picked now.</source>
        <translation>无推荐：案件当前为%1，暂不需要指派队员。</translation>
    </message>
    <message>
        <source>No recommendation: the case has no location. Use Place on map… and click where it is.</source>
        <translation>无推荐：案件没有位置。请点“在地图上定位…”并在地图上点击案发位置。</translation>
    </message>
    <message>
        <source>Placed on the map</source>
        <translation>已在地图上定位</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Pressing</source>
        <translation>较急</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="1" />
        <source>accepted</source>
        <translation>已接单</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="1" />
        <source>on scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="1" />
        <source>reported back</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="1" />
        <source>refused by officer</source>
        <translation>退单</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="1" />
        <source>Refused by officer: %1</source>
        <translation>队员退单：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="102" />
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="104" />
        <source>Import hotline tickets…</source>
        <translation>导入12345工单…</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="106" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="120" />
        <source>Case detail</source>
        <translation>案件详情</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="133" />
        <source>Units</source>
        <translation>力量状态</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="134" />
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="262" />
        <source>New case</source>
        <translation>新建案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="135" />
        <source>Alarms</source>
        <translation>告警事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="138" />
        <source>Escalated</source>
        <translation>督办预警</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="59" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="157" />
        <source>Alarm: %1</source>
        <translation>告警：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="188" />
        <source>New urgent case: %1</source>
        <translation>新紧急案件：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="192" />
        <source>Overdue: %1</source>
        <translation>已超时：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="194" />
        <source>About to be overdue: %1</source>
        <translation>即将超时：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="60" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="60" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="62" />
        <source>Officer</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="223" />
        <source>Import 12345 hotline tickets</source>
        <translation>导入12345热线工单</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="224" />
        <source>Spreadsheets (*.xlsx *.xls *.csv)</source>
        <translation>表格文件 (*.xlsx *.xls *.csv)</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/dispatch_screen.py" line="172" />
        <source>Importing %1 …</source>
        <translation>正在导入 %1 …</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="37" />
        <source>paused</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="42" />
        <source>overdue %1</source>
        <translation>超时 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="59" />
        <location filename="../../widgets/dispatch/models.py" line="114" />
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="61" />
        <location filename="../../widgets/dispatch/models.py" line="114" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="61" />
        <source>Time left</source>
        <translation>剩余时限</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="101" />
        <source>Deadline %1</source>
        <translation>截止 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="103" />
        <source>%1 possible duplicate(s)</source>
        <translation>%1 件疑似重复</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="113" />
        <source>Unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="113" />
        <source>Team</source>
        <translation>队伍</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="115" />
        <source>In status</source>
        <translation>状态时长</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="115" />
        <source>Last fix</source>
        <translation>最后定位</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/models.py" line="151" />
        <source>No recent position fix (stale)</source>
        <translation>长时间无定位（失联）</translation>
    </message>
</context>
<context>
    <name>IntakeForm</name>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="47" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="50" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="52" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="54" />
        <source>grid cell code, filled from the location</source>
        <translation>单元网格编码，按位置自动填写</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="55" />
        <source>Grid cell</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="61" />
        <source>Use coordinates (click the map)</source>
        <translation>使用坐标（在地图上点选）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="62" />
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="63" />
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="65" />
        <source>Register at once</source>
        <translation>直接立案</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="68" />
        <source>Attach photo or file…</source>
        <translation>添加照片或附件…</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="72" />
        <source>Create case</source>
        <translation>创建案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="104" />
        <source>Give a location: click the map, type an address or a grid cell.</source>
        <translation>请提供位置：点选地图、填写地址或单元网格。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="123" />
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/intake_form.py" line="125" />
        <source>%1 file(s)</source>
        <translation>%1 个文件</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>Search code, address, category, officer…</source>
        <translation>搜索案件编号、地址、类别、队员…</translation>
    </message>
    <message>
        <source>Show only some of the open cases</source>
        <translation>筛选在办案件</translation>
    </message>
    <message>
        <source>Awaiting registration</source>
        <translation>待立案</translation>
    </message>
    <message>
        <source>Not yet dispatched</source>
        <translation>未派遣</translation>
    </message>
    <message>
        <source>Overdue or due soon</source>
        <translation>超时或即将超时</translation>
    </message>
    <message>
        <source>Urgent only</source>
        <translation>仅紧急</translation>
    </message>
    <message>
        <source>All open cases</source>
        <translation>全部在办案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/queue_panel.py" line="62" />
        <source>Case queue</source>
        <translation>案件队列</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/queue_panel.py" line="93" />
        <source>Case queue: %1 open, %2 overdue</source>
        <translation>案件队列：在办 %1 件，超时 %2 件</translation>
    </message>
</context>
<context>
    <name>RecommendationPanel</name>
    <message>
        <source>No officer to recommend: nobody is idle, on shift and with a recent position (see the Units tab).</source>
        <translation>暂无可推荐队员：没有空闲、在班且有近期定位的队员（见“队员”页）。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/recommendations.py" line="48" />
        <source>Recommended officers (drag onto a case or click Assign)</source>
        <translation>推荐队员（拖到案件上或点击派遣）</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/recommendations.py" line="53" />
        <source>Assign selected officer</source>
        <translation>派遣选中队员</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch/recommendations.py" line="66" />
        <source>No available officer with a position.</source>
        <translation>没有有定位的空闲队员。</translation>
    </message>
</context>
<context>
    <name>CasePanel</name>
    <message>
        <source>The case has no coordinates: click this, then click the map (F2) where the case is</source>
        <translation>案件没有坐标：点此按钮，再在地图（F2）上点击案发位置</translation>
    </message>
    <message>
        <source>Place on map…</source>
        <translation>在地图上定位…</translation>
    </message>
</context>
<context>
    <name>CaseMap</name>
    <message>
        <source>Where the case is (north up; the pin is the case)</source>
        <translation>案件位置（上北下南，红点为案发地）</translation>
    </message>
</context>
<context>
    <name>EscalationPanel</name>
    <message>
        <source>催办: press whoever holds the selected case to finish it (recorded in its history)</source>
        <translation>催办：催促承办人尽快办结所选案件（记入案件历史）</translation>
    </message>
    <message>
        <source>督办: put the selected case under the duty desk&apos;s supervision (recorded in its history)</source>
        <translation>督办：将所选案件列入值班督办（记入案件历史）</translation>
    </message>
    <message>
        <source>Urge</source>
        <translation>催办</translation>
    </message>
    <message>
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Note for the officer (optional)</source>
        <translation>督办/催办说明（可选）</translation>
    </message>
</context>
    <context>
        <name>HotlineMappingDialog</name>
        <message>
            <source>Import 12345 hotline tickets</source>
            <translation>导入12345工单</translation>
        </message>
        <message>
            <source>File %1: choose the column holding each field (* required).</source>
            <translation>文件 %1：请为每个字段选择对应的列（* 为必填）。</translation>
        </message>
        <message>
            <source>(none)</source>
            <translation>（无）</translation>
        </message>
        <message>
            <source>WGS-84 (GPS)</source>
            <translation>WGS-84（GPS）</translation>
        </message>
        <message>
            <source>GCJ-02 (WeChat, Amap, Tencent)</source>
            <translation>GCJ-02（微信、高德、腾讯）</translation>
        </message>
        <message>
            <source>BD-09 (Baidu)</source>
            <translation>BD-09（百度）</translation>
        </message>
        <message>
            <source>Coordinates are in</source>
            <translation>坐标系</translation>
        </message>
        <message>
            <source>Import</source>
            <translation>导入</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Ticket number</source>
            <translation>工单编号</translation>
        </message>
        <message>
            <source>Request type</source>
            <translation>诉求类型</translation>
        </message>
        <message>
            <source>Request content</source>
            <translation>诉求内容</translation>
        </message>
        <message>
            <source>Address</source>
            <translation>事发地址</translation>
        </message>
        <message>
            <source>Latitude</source>
            <translation>纬度</translation>
        </message>
        <message>
            <source>Longitude</source>
            <translation>经度</translation>
        </message>
        <message>
            <source>Time limit</source>
            <translation>办理时限</translation>
        </message>
        <message>
            <source>Contact</source>
            <translation>联系人</translation>
        </message>
        <message>
            <source>Contact phone</source>
            <translation>联系电话</translation>
        </message>
        <message>
            <source>Call time</source>
            <translation>来电时间</translation>
        </message>
        <message>
            <source>No column chosen for: %1</source>
            <translation>以下字段未选择列：%1</translation>
        </message>
    </context>
    <context>
        <name>DispatchScreen</name>
        <message>
            <source>Reading %1 …</source>
            <translation>正在读取 %1 …</translation>
        </message>
    </context>
</TS>
