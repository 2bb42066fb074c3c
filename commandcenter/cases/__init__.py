"""Cases from every channel, the digital-urban-management workflow, SLA timers and smart dispatch.

Qt-free core package. The façade is :class:`commandcenter.cases.service.CaseService`; the dispatch screen gets
its data through :class:`commandcenter.cases.feed.DispatchFeed` (QtCore only) and sends intents to the service.
"""
