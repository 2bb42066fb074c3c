<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SensorDetails</name>
    <message>
        <location filename="../../widgets/map/sensors.py" line="150"/>
        <source>Sanitation facility</source>
        <translation>环卫设施</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="182"/>
        <source>{0}, last {1} h</source>
        <translation>{0}，最近{1}小时</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="195"/>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="195"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="195"/>
        <source>not heard yet</source>
        <translation>尚无数据</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="196"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="197"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="198"/>
        <source>Alarm</source>
        <translation>告警</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="199"/>
        <source>Last reading</source>
        <translation>最近读数</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="200"/>
        <source>Bad reads</source>
        <translation>读数失败</translation>
    </message>
</context>
<context>
    <name>SensorLayer</name>
    <message>
        <location filename="../../widgets/map/sensors.py" line="218"/>
        <source>Bin / toilet: normal</source>
        <translation>垃圾桶/公厕：正常</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="219"/>
        <source>Filling up / odour rising</source>
        <translation>将满/异味上升</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="220"/>
        <source>Full / over the limit (alarm)</source>
        <translation>满溢/超标（告警）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="221"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
</context>
<context>
    <name>LayersPanel</name>
    <message>
        <location filename="../../widgets/map/layers_panel.py" line="99"/>
        <source>Sanitation facilities</source>
        <translation>环卫设施</translation>
    </message>
</context>
</TS>
