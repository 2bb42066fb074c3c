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
        <location filename="../../widgets/map/sensors.py" line="202"/>
        <source>Fill level</source>
        <translation>满溢度</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="202"/>
        <source>NH3</source>
        <translation>氨气</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="202"/>
        <source>H2S</source>
        <translation>硫化氢</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="203"/>
        <source>Occupancy</source>
        <translation>使用人数</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="203"/>
        <source>Battery</source>
        <translation>电池电压</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="203"/>
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="204"/>
        <source>Weight</source>
        <translation>重量</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="208"/>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="208"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="208"/>
        <source>not heard yet</source>
        <translation>尚无数据</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="209"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="210"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="211"/>
        <source>Alarm</source>
        <translation>告警</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="212"/>
        <source>Last reading</source>
        <translation>最近读数</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="213"/>
        <source>Bad reads</source>
        <translation>读数失败</translation>
    </message>
</context>
<context>
    <name>SensorLayer</name>
    <message>
        <location filename="../../widgets/map/sensors.py" line="233"/>
        <source>Sanitation facilities</source>
        <translation>环卫设施</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="238"/>
        <source>Bin / toilet: normal</source>
        <translation>垃圾桶/公厕：正常</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="239"/>
        <source>Filling up / odour rising</source>
        <translation>将满/异味上升</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="240"/>
        <source>Full / over the limit (alarm)</source>
        <translation>满溢/超标（告警）</translation>
    </message>
    <message>
        <location filename="../../widgets/map/sensors.py" line="241"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
</context>
</TS>
