<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>CallbackRatingDialog</name>
    <message>
      <source>Callback rating</source>
      <translation>回访评价</translation>
    </message>
    <message>
      <source>Case %1: how satisfied was the reporter with the handling?</source>
      <translation>案件 %1：报告人对处置结果是否满意？</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>回访结果</translation>
    </message>
    <message>
      <source>What the reporter said (optional)</source>
      <translation>报告人的意见（可选）</translation>
    </message>
    <message>
      <source>Remark</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>Record</source>
      <translation>记录</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Very satisfied</source>
      <translation>非常满意</translation>
    </message>
    <message>
      <source>Satisfied</source>
      <translation>满意</translation>
    </message>
    <message>
      <source>Fairly satisfied</source>
      <translation>基本满意</translation>
    </message>
    <message>
      <source>Not quite satisfied</source>
      <translation>不太满意</translation>
    </message>
    <message>
      <source>Dissatisfied</source>
      <translation>不满意</translation>
    </message>
  </context>
  <context>
    <name>CaseActions</name>
    <message>
      <source>Callback rating…</source>
      <translation>回访评价…</translation>
    </message>
    <message>
      <source>Callback rating</source>
      <translation>回访评价</translation>
    </message>
    <message>
      <source>Callback: record how satisfied the reporter is with the handling of this closed case (counts in the public rating)</source>
      <translation>回访：记录报告人对本结案案件处置的满意程度（计入群众评价）</translation>
    </message>
    <message>
      <source>Rated %1 / 5</source>
      <translation>已评价 %1 / 5 分</translation>
    </message>
  </context>
  <context>
    <name>HotlineMappingDialog</name>
    <message>
      <source>Callback satisfaction</source>
      <translation>回访满意度</translation>
    </message>
  </context>
  <context>
    <name>CaseAction</name>
    <message>
      <source>recorded the public's rating</source>
      <translation>记录群众评价</translation>
    </message>
  </context>
</TS>
