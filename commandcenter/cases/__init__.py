"""Cases from every channel, the digital-urban-management workflow, SLA timers and smart dispatch.

Qt-free core package (``feed`` uses QtCore only). How the application wires it::

    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.categories import load_categories
    from commandcenter.cases.service import CaseService
    from commandcenter.cases.open311_backend import CaseOpen311Backend
    from devices.open311 import Open311Server
    from widgets.dispatch import DispatchScreen

    cases = CaseService(store, load_calendar(), load_categories(),
                        authorize=services.authorize, audit=services.audit_hook, guard=services.guard,
                        positions=tracker.snapshot, unit_status_changed=tracker.set_status,
                        streets=street_graph, stale_after_s=config.map.stale_minutes * 60)
    server = Open311Server(CaseOpen311Backend(cases), config.open311.host, config.open311.port,
                           api_keys=config.open311.api_keys, jurisdiction=config.open311.jurisdiction)
    escalation = EscalationService(cases.escalation)   # SLA 超时 on its own timer, no screen needed
    escalation.start()
    feed = DispatchFeed(cases, tasks, escalation=escalation)   # tasks: commandcenter.runtime.tasks.TaskManager
    screen = DispatchScreen(cases, feed=feed)   # map click → screen.set_location(lat, lon)

The façade is :class:`commandcenter.cases.service.CaseService` over four parts split by job (commands,
queries, recommend, escalation); the dispatch screen reads through :class:`commandcenter.cases.feed.DispatchFeed`
(on the task manager, when a change is announced) and sends intents to the service.
"""
