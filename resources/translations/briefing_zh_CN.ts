<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>AssessmentPage</name>
    <message>
      <source>Assessment failed: %1</source>
      <translation>考核计算失败：%1</translation>
    </message>
    <message>
      <source>Closed on time</source>
      <translation>按期结案率</translation>
    </message>
    <message>
      <source>Closure rate</source>
      <translation>结案率</translation>
    </message>
    <message>
      <source>Computing…</source>
      <translation>计算中…</translation>
    </message>
    <message>
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <source>Departments: transferred and joint tasks</source>
      <translation>部门考核：转办与吹哨报到任务</translation>
    </message>
    <message>
      <source>Done</source>
      <translation>已完成</translation>
    </message>
    <message>
      <source>Done on time</source>
      <translation>按时完成</translation>
    </message>
    <message>
      <source>Export assessment (Excel)…</source>
      <translation>导出考核 (Excel)…</translation>
    </message>
    <message>
      <source>Export assessment (PDF)…</source>
      <translation>导出考核 (PDF)…</translation>
    </message>
    <message>
      <source>Field app use</source>
      <translation>城管通使用率</translation>
    </message>
    <message>
      <source>Month</source>
      <translation>月份</translation>
    </message>
    <message>
      <source>No smart enforcement star this month (too few cases)</source>
      <translation>本月暂无智慧执法之星（案件数不足）</translation>
    </message>
    <message>
      <source>Officer</source>
      <translation>执法队员</translation>
    </message>
    <message>
      <source>Officers</source>
      <translation>执法队员</translation>
    </message>
    <message>
      <source>On scene within 30 min</source>
      <translation>30分钟到场率</translation>
    </message>
    <message>
      <source>On-time rate</source>
      <translation>按时完成率</translation>
    </message>
    <message>
      <source>Public rating</source>
      <translation>群众评价</translation>
    </message>
    <message>
      <source>Rank</source>
      <translation>排名</translation>
    </message>
    <message>
      <source>Refused</source>
      <translation>退回</translation>
    </message>
    <message>
      <source>Registered</source>
      <translation>立案数</translation>
    </message>
    <message>
      <source>Rework rate</source>
      <translation>返工率</translation>
    </message>
    <message>
      <source>Saved %1</source>
      <translation>已保存：%1</translation>
    </message>
    <message>
      <source>Score</source>
      <translation>得分</translation>
    </message>
    <message>
      <source>Tasks</source>
      <translation>任务数</translation>
    </message>
    <message>
      <source>Team</source>
      <translation>中队</translation>
    </message>
    <message>
      <source>Teams</source>
      <translation>中队</translation>
    </message>
    <message>
      <source>Transferred</source>
      <translation>转办</translation>
    </message>
    <message>
      <source>assessment</source>
      <translation>考核</translation>
    </message>
    <message>
      <source>★ Smart enforcement star of the month: %1 (%2) · %3 points</source>
      <translation>★ 本月智慧执法之星：%1（%2）· %3 分</translation>
    </message>
  </context>
  <context>
    <name>BriefingExport</name>
    <message>
      <source>Export report</source>
      <translation>导出报表</translation>
    </message>
    <message>
      <source>The report could not be written: %1</source>
      <translation>报表无法写入：%1</translation>
    </message>
    <message>
      <source>You may not export reports (missing permission %1).</source>
      <translation>您无权导出报表（缺少权限 %1）。</translation>
    </message>
  </context>
  <context>
    <name>BriefingFigures</name>
    <message>
      <source>%1 pts</source>
      <translation>%1 个百分点</translation>
    </message>
    <message>
      <source>By category</source>
      <translation>按类别</translation>
    </message>
    <message>
      <source>By channel</source>
      <translation>按来源</translation>
    </message>
    <message>
      <source>By grid</source>
      <translation>按网格</translation>
    </message>
    <message>
      <source>By officer</source>
      <translation>按执法队员</translation>
    </message>
    <message>
      <source>By responsibility area</source>
      <translation>按责任区</translation>
    </message>
    <message>
      <source>By team</source>
      <translation>按中队</translation>
    </message>
    <message>
      <source>Closed</source>
      <translation>结案数</translation>
    </message>
    <message>
      <source>Closed on time</source>
      <translation>按期结案率</translation>
    </message>
    <message>
      <source>Closure rate</source>
      <translation>结案率</translation>
    </message>
    <message>
      <source>Dispatched on time</source>
      <translation>及时派遣率</translation>
    </message>
    <message>
      <source>Field app use</source>
      <translation>城管通使用率</translation>
    </message>
    <message>
      <source>Handled within 24 h</source>
      <translation>24小时处置率</translation>
    </message>
    <message>
      <source>Median handling (min)</source>
      <translation>处置时间中位数(分)</translation>
    </message>
    <message>
      <source>Median response (min)</source>
      <translation>到场时间中位数(分)</translation>
    </message>
    <message>
      <source>On scene within 30 min</source>
      <translation>30分钟到场率</translation>
    </message>
    <message>
      <source>P90 response (min)</source>
      <translation>到场时间P90(分)</translation>
    </message>
    <message>
      <source>Public rating (1–5)</source>
      <translation>群众评价(1-5)</translation>
    </message>
    <message>
      <source>Ratings</source>
      <translation>评价数</translation>
    </message>
    <message>
      <source>Re-offence after a first-offence waiver</source>
      <translation>首违不罚再犯率</translation>
    </message>
    <message>
      <source>Registered</source>
      <translation>立案数</translation>
    </message>
    <message>
      <source>Reported</source>
      <translation>上报数</translation>
    </message>
    <message>
      <source>Rework rate</source>
      <translation>返工率</translation>
    </message>
  </context>
  <context>
    <name>BriefingPages</name>
    <message>
      <source>Assessment</source>
      <translation>考核</translation>
    </message>
    <message>
      <source>Figures by period</source>
      <translation>周期指标</translation>
    </message>
    <message>
      <source>Hot spots by time</source>
      <translation>时段热点</translation>
    </message>
    <message>
      <source>Today's cases on the map</source>
      <translation>今日案件地图</translation>
    </message>
  </context>
  <context>
    <name>BriefingScreen</name>
    <message>
      <source>Big screen</source>
      <translation>大屏模式</translation>
    </message>
    <message>
      <source>Click to see these cases</source>
      <translation>点击查看这些案件</translation>
    </message>
    <message>
      <source>Export briefing</source>
      <translation>导出驾驶舱报告</translation>
    </message>
    <message>
      <source>Export briefing (PDF)…</source>
      <translation>导出驾驶舱报告 (PDF)…</translation>
    </message>
    <message>
      <source>Hall display: larger text, pages cycle while nobody touches the screen</source>
      <translation>大厅大屏：字体放大，无人操作时自动轮播各页</translation>
    </message>
    <message>
      <source>PDF (*.pdf)</source>
      <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>今日</translation>
    </message>
    <message>
      <source>briefing</source>
      <translation>领导驾驶舱</translation>
    </message>
  </context>
  <context>
    <name>CasesBehindDialog</name>
    <message>
      <source>%1 cases</source>
      <translation>共 %1 件</translation>
    </message>
    <message>
      <source>(first %1 listed)</source>
      <translation>（列出前 %1 件）</translation>
    </message>
    <message>
      <source>All counted</source>
      <translation>全部计入</translation>
    </message>
    <message>
      <source>Cannot list the cases: %1</source>
      <translation>无法列出案件：%1</translation>
    </message>
    <message>
      <source>Case</source>
      <translation>案件</translation>
    </message>
    <message>
      <source>Cases behind: %1</source>
      <translation>指标对应案件：%1</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <source>Loading…</source>
      <translation>加载中…</translation>
    </message>
    <message>
      <source>Met</source>
      <translation>达标</translation>
    </message>
    <message>
      <source>Missed</source>
      <translation>未达标</translation>
    </message>
    <message>
      <source>Officer</source>
      <translation>执法队员</translation>
    </message>
    <message>
      <source>Reported</source>
      <translation>上报时间</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
  </context>
  <context>
    <name>FigureCard</name>
    <message>
      <source>Click to see the cases behind this figure</source>
      <translation>点击查看该指标对应的案件</translation>
    </message>
    <message>
      <source>Previous period %1: %2</source>
      <translation>上一周期 %1：%2</translation>
    </message>
  </context>
  <context>
    <name>FiguresPage</name>
    <message>
      <source>%1 · compared with %2</source>
      <translation>%1 · 对比 %2</translation>
    </message>
    <message>
      <source>(none)</source>
      <translation>（未指定）</translation>
    </message>
    <message>
      <source>Click a number to see the cases behind it</source>
      <translation>点击数字查看对应案件</translation>
    </message>
    <message>
      <source>Computing…</source>
      <translation>计算中…</translation>
    </message>
    <message>
      <source>Figures failed: %1</source>
      <translation>指标计算失败：%1</translation>
    </message>
    <message>
      <source>Group</source>
      <translation>分组</translation>
    </message>
    <message>
      <source>KPI report</source>
      <translation>指标报表</translation>
    </message>
    <message>
      <source>KPI report (Excel)…</source>
      <translation>指标报表 (Excel)…</translation>
    </message>
    <message>
      <source>KPI report (PDF)…</source>
      <translation>指标报表 (PDF)…</translation>
    </message>
    <message>
      <source>Registered (blue) and closed (green): %1</source>
      <translation>立案（蓝）与结案（绿）：%1</translation>
    </message>
    <message>
      <source>Saved %1</source>
      <translation>已保存：%1</translation>
    </message>
  </context>
  <context>
    <name>HeatmapPanel</name>
    <message>
      <source>All day</source>
      <translation>全天</translation>
    </message>
    <message>
      <source>Daytime 10–17</source>
      <translation>日间 10–17</translation>
    </message>
    <message>
      <source>Evening 17–22</source>
      <translation>晚间 17–22</translation>
    </message>
    <message>
      <source>Every day</source>
      <translation>每天</translation>
    </message>
    <message>
      <source>Friday</source>
      <translation>周五</translation>
    </message>
    <message>
      <source>Last 90 days</source>
      <translation>近90天</translation>
    </message>
    <message>
      <source>Monday</source>
      <translation>周一</translation>
    </message>
    <message>
      <source>Morning 06–10</source>
      <translation>早间 06–10</translation>
    </message>
    <message>
      <source>Night 22–06</source>
      <translation>夜间 22–06</translation>
    </message>
    <message>
      <source>Saturday</source>
      <translation>周六</translation>
    </message>
    <message>
      <source>Sunday</source>
      <translation>周日</translation>
    </message>
    <message>
      <source>Thursday</source>
      <translation>周四</translation>
    </message>
    <message>
      <source>Tuesday</source>
      <translation>周二</translation>
    </message>
    <message>
      <source>Wednesday</source>
      <translation>周三</translation>
    </message>
    <message>
      <source>Weekend</source>
      <translation>周末</translation>
    </message>
    <message>
      <source>Workdays</source>
      <translation>工作日</translation>
    </message>
  </context>
  <context>
    <name>HotspotPage</name>
    <message>
      <source>Cases a week by hour and weekday, officers on duty</source>
      <translation>各时段每周案件数与在岗人数</translation>
    </message>
    <message>
      <source>Cases a week reported in each hour; the last row: officers on duty</source>
      <translation>每个时段平均每周上报的案件数；最后一行为在岗队员数</translation>
    </message>
    <message>
      <source>Click a line to see that grid's hours</source>
      <translation>点击一行查看该网格各时段</translation>
    </message>
    <message>
      <source>Computing…</source>
      <translation>计算中…</translation>
    </message>
    <message>
      <source>Fri</source>
      <translation>周五</translation>
    </message>
    <message>
      <source>Grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <source>Grid %1 · %2 %3:00 · %4 cases a week · %5 on duty</source>
      <translation>网格 %1 · %2 %3:00 · 每周 %4 件 · 在岗 %5 人</translation>
    </message>
    <message>
      <source>Hot spots failed: %1</source>
      <translation>热点计算失败：%1</translation>
    </message>
    <message>
      <source>Mon</source>
      <translation>周一</translation>
    </message>
    <message>
      <source>No hour with regular cases lacks officers.</source>
      <translation>所有常发案时段均有队员在岗。</translation>
    </message>
    <message>
      <source>On duty</source>
      <translation>在岗人数</translation>
    </message>
    <message>
      <source>Sat</source>
      <translation>周六</translation>
    </message>
    <message>
      <source>Sun</source>
      <translation>周日</translation>
    </message>
    <message>
      <source>Thu</source>
      <translation>周四</translation>
    </message>
    <message>
      <source>Tue</source>
      <translation>周二</translation>
    </message>
    <message>
      <source>Wed</source>
      <translation>周三</translation>
    </message>
    <message>
      <source>Where patrols are short</source>
      <translation>巡查力量不足的时段</translation>
    </message>
  </context>
  <context>
    <name>PeriodPicker</name>
    <message>
      <source>Custom</source>
      <translation>自定义</translation>
    </message>
    <message>
      <source>Last month</source>
      <translation>上月</translation>
    </message>
    <message>
      <source>This month</source>
      <translation>本月</translation>
    </message>
    <message>
      <source>This week</source>
      <translation>本周</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>今日</translation>
    </message>
  </context>
  <context>
    <name>ReportSaveDialog</name>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>File name:</source>
      <translation>文件名：</translation>
    </message>
    <message>
      <source>File type:</source>
      <translation>文件类型：</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Save in:</source>
      <translation>保存到：</translation>
    </message>
  </context>
  <context>
    <name>TodayMapPage</name>
    <message>
      <source>Busiest categories today</source>
      <translation>今日高发类别</translation>
    </message>
    <message>
      <source>Busiest grids today</source>
      <translation>今日高发网格</translation>
    </message>
    <message>
      <source>Cases today</source>
      <translation>今日案件</translation>
    </message>
    <message>
      <source>Cases today: %1 · open %2 · overdue %3 · closed %4</source>
      <translation>今日案件 %1 件 · 在办 %2 · 超期 %3 · 已结案 %4</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <source>● closed</source>
      <translation>● 已结案</translation>
    </message>
    <message>
      <source>● open</source>
      <translation>● 在办</translation>
    </message>
    <message>
      <source>● overdue</source>
      <translation>● 超期</translation>
    </message>
  </context>
</TS>
