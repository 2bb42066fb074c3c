<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ScreenSlot</name>
    <message>
        <source>Starting the command center: database, devices and services …</source>
        <translation>指挥中心正在启动：数据库、设备与服务 …</translation>
    </message>
</context>
</TS>
