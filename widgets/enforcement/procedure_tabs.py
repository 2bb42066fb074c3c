"""The 执法程序 tab of the dispatch screen: the panels of the enforcement procedure (当事人, …) grouped in one
place, so the dispatch screen gains one tab whatever the procedure adds. Each panel is told the selected case
(``set_case``) and asked to ``refresh`` after an action elsewhere on the screen.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget

from commandcenter.enforcement.services import EnforcementServices
from commandcenter.runtime.tasks import TaskManager
from widgets.enforcement.disclosure_panel import DisclosurePanel
from widgets.enforcement.inspection_panel import InspectionPanel
from widgets.enforcement.joint_panel import DepartmentPanel, JointPanel
from widgets.enforcement.party_panel import PartyPanel
from widgets.enforcement.powers_panel import PowersPanel
from widgets.enforcement.procedure_panel import ProcedurePanel
from widgets.enforcement.review_panel import ReviewQueuePanel


def _scrolling(panel: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(panel)
    return area


class ProcedureTabs(QTabWidget):
    """Case-bound panels of the procedure in inner tabs; forwards the selected case to each. ``changed`` after
    an act in any of them (a party recorded, a review, a step, a task), for the screen's other panels."""

    changed = Signal()

    def __init__(self, enforcement: EnforcementServices, tasks: TaskManager, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("procedureTabs")
        self.case_id: int | None = None
        self.title = self.tr("Enforcement procedure")  # the dispatch screen's tab
        self.party = PartyPanel(enforcement.parties, tasks, actor=actor)
        self.case_panels: list[QWidget] = [self.party]
        self.addTab(_scrolling(self.party), self.tr("Parties"))
        self.procedure: ProcedurePanel | None = None
        self.review: ReviewQueuePanel | None = None
        if enforcement.procedure is not None:  # built with the CaseService (EnforcementServices.attach_cases)
            self.procedure = ProcedurePanel(enforcement.procedure, enforcement.decisions, tasks, actor=actor,
                                            allowed=lambda p: enforcement.authorizer.allowed(actor, p))
            self.case_panels.append(self.procedure)
            self.addTab(_scrolling(self.procedure), self.tr("Procedure"))
            self.review = ReviewQueuePanel(enforcement.procedure, tasks, actor=actor)
            self.review.refresh()
            self.addTab(self.review, self.tr("Legal review"))
        self.joint: JointPanel | None = None
        self.department: DepartmentPanel | None = None
        if enforcement.joint is not None:
            allowed = enforcement.authorizer.allowed
            self.joint = JointPanel(enforcement.joint, tasks, actor=actor)
            self.case_panels.append(self.joint)
            self.addTab(_scrolling(self.joint), self.tr("Joint enforcement"))
            self.department = DepartmentPanel(enforcement.joint, tasks, actor=actor,
                                              allowed=lambda p: allowed(actor, p))
            self.department.refresh()
            self.addTab(_scrolling(self.department), self.tr("Departments"))
        self.inspection: InspectionPanel | None = None
        if enforcement.inspections is not None and enforcement.joint is not None:
            self.inspection = InspectionPanel(enforcement.inspections, enforcement.joint, tasks, actor=actor)
            self.inspection.refresh()
            self.addTab(_scrolling(self.inspection), self.tr("Joint inspection"))
        self.powers = PowersPanel(enforcement.store, tasks)
        self.case_panels.append(self.powers)
        self.addTab(self.powers, self.tr("Powers"))
        signals = [self.party.changed]
        if self.procedure is not None and self.review is not None:
            signals += [self.procedure.step_done, self.review.reviewed]
        if self.joint is not None:
            signals.append(self.joint.changed)
        for signal in signals:
            signal.connect(lambda *_args: self.changed.emit())
        self.disclosure = DisclosurePanel(enforcement.store, enforcement.audit, enforcement.authorize, tasks,
                                          actor=actor)
        self.addTab(self.disclosure, self.tr("Disclosure"))

    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        for panel in self.case_panels:
            panel.set_case(case_id)  # type: ignore[attr-defined]

    def refresh(self) -> None:
        for panel in self.case_panels:
            panel.refresh()  # type: ignore[attr-defined]
        for queue in (self.review, self.department, self.inspection):
            if queue is not None:
                queue.refresh()
