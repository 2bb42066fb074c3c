<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
</TS>
