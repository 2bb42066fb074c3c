"""A simulated ONVIF PTZ camera: a real HTTP SOAP server on 127.0.0.1, built from the official WSDLs.

The demo and the tests need a PTZ camera that answers like a real one. Requests are parsed and answers written by
zeep from the same vendored WSDLs the client uses (``devices/onvif_wsdl/``): an answer the schema does not allow
fails here, not in the field. It answers the Profile S calls the command center makes — device
``GetCapabilities``; media ``GetProfiles``; PTZ ``ContinuousMove``, ``Stop``, ``AbsoluteMove``, ``RelativeMove``,
``GetPresets``, ``GotoPreset``, ``SetPreset``, ``RemovePreset``, ``GetStatus`` — keeps pan/tilt/zoom (a continuous
move integrates its velocity over time until ``Stop``) and presets, and checks the WS-UsernameToken password
digest of every request, refusing others with the ONVIF ``ter:NotAuthorized`` fault.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from commandcenter.config import CameraConfig
from devices.onvif import DEVICE_BINDING, MEDIA_BINDING, PTZ_BINDING, clamp, wsdl_document

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TER = "http://www.onvif.org/ver10/error"
PROFILE_TOKEN = "profile_1"
SPEED = 0.5  # generic units per second at velocity 1.0 (a full pan sweep of 2 units takes 4 s)


@dataclass
class PtzState:
    """Pan/tilt/zoom of the simulated head; a continuous move is integrated when read."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    since: float = field(default_factory=time.monotonic)
    presets: dict[str, tuple[str, float, float, float]] = field(default_factory=dict)  # token → name, p, t, z

    def settle(self) -> None:
        now = time.monotonic()
        dt, (vp, vt, vz) = now - self.since, self.velocity
        self.pan = clamp(self.pan + vp * SPEED * dt, -1, 1)
        self.tilt = clamp(self.tilt + vt * SPEED * dt, -1, 1)
        self.zoom = clamp(self.zoom + vz * SPEED * dt, 0, 1)
        self.since = now

    @property
    def moving(self) -> bool:
        return any(v != 0.0 for v in self.velocity)


class SoapFault(Exception):
    def __init__(self, subcode: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.subcode, self.reason, self.status = subcode, reason, status


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """WS-Security UsernameToken digest: Base64(SHA-1(nonce + created + password))."""
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()


class SimulatedOnvifCamera:
    """``start()`` serves on 127.0.0.1 (port 0 = any free one); ``device_url`` is what a client connects to."""

    def __init__(self, user: str = "admin", password: str = "admin123", port: int = 0, name: str = "PTZ-SIM") -> None:
        self.user, self.password, self.name = user, password, name
        self.state = PtzState()
        self.requests: list[str] = []  # operation names in arrival order (tests read it)
        self._lock = threading.Lock()
        self._bindings_lock = threading.Lock()
        self._bindings_parsed: dict[str, Any] | None = None
        self._handlers: dict[str, Callable[[Any], dict[str, object]]] = {
            "GetCapabilities": self._get_capabilities, "GetProfiles": self._get_profiles,
            "ContinuousMove": self._continuous_move, "Stop": self._stop, "AbsoluteMove": self._absolute_move,
            "RelativeMove": self._relative_move, "GetPresets": self._get_presets, "GotoPreset": self._goto_preset,
            "SetPreset": self._set_preset, "RemovePreset": self._remove_preset, "GetStatus": self._get_status,
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def _bindings(self) -> dict[str, Any]:
        """The SOAP bindings by path, parsed from the WSDLs at the first request (on the server's thread): a
        camera that starts with the application costs its start-up no parsing of the 360 kB schema."""
        with self._bindings_lock:
            if self._bindings_parsed is None:
                from zeep.transports import Transport

                transport = Transport()
                self._bindings_parsed = {
                    "/onvif/device_service": wsdl_document("devicemgmt.wsdl", transport).bindings[DEVICE_BINDING],
                    "/onvif/media_service": wsdl_document("media.wsdl", transport).bindings[MEDIA_BINDING],
                    "/onvif/ptz_service": wsdl_document("ptz.wsdl", transport).bindings[PTZ_BINDING],
                }
            return self._bindings_parsed

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def device_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/onvif/device_service"

    def start(self) -> SimulatedOnvifCamera:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"onvif-sim:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatedOnvifCamera:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- HTTP ------------------------------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = camera.answer(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def answer(self, path: str, body: bytes) -> tuple[int, bytes]:
        """One SOAP request → (HTTP status, envelope bytes)."""
        try:
            binding = self._bindings.get(path)
            if binding is None:
                raise SoapFault("ActionNotSupported", f"no ONVIF service at {path}", 404)
            try:
                envelope = etree.fromstring(body)
            except etree.XMLSyntaxError as exc:
                raise SoapFault("WellFormed", f"request is not XML: {exc}") from exc
            self._authenticate(envelope)
            request = envelope.find(f"{{{SOAP12}}}Body")
            if request is None or len(request) == 0:
                raise SoapFault("MissingElement", "SOAP body is empty")
            name = etree.QName(request[0]).localname
            operation = binding._operations.get(name)
            handler = self._handlers.get(name)
            if operation is None or handler is None:
                raise SoapFault("ActionNotSupported", f"{name} is not supported by the simulated camera")
            # Parsed by the operation's input element of the WSDL: attributes by name, like the client sees them.
            arguments = operation.input.body.parse(request[0], operation.input.wsdl.types)
            with self._lock:
                self.requests.append(name)
                result = handler(arguments)
            return 200, etree.tostring(operation.output.serialize(**result).content, xml_declaration=True,
                                       encoding="utf-8")
        except SoapFault as fault:
            return fault.status, self._fault(fault)
        except Exception as exc:
            return 500, self._fault(SoapFault("Action", f"{type(exc).__name__}: {exc}", 500), "env:Receiver")

    def _authenticate(self, envelope: Any) -> None:
        token = envelope.find(f"{{{SOAP12}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        if token is None:
            raise SoapFault("NotAuthorized", "Sender not authorized: no WS-UsernameToken")
        user = token.findtext(f"{{{WSSE}}}Username") or ""
        password = token.find(f"{{{WSSE}}}Password")
        nonce = token.findtext(f"{{{WSSE}}}Nonce") or ""
        created = token.findtext(f"{{{WSU}}}Created") or ""
        if password is None:
            raise SoapFault("NotAuthorized", "Sender not authorized: no password")
        if str(password.get("Type", "")).endswith("#PasswordDigest"):
            expected = password_digest(base64.b64decode(nonce), created, self.password)
        else:
            expected = self.password
        if user != self.user or (password.text or "") != expected:
            raise SoapFault("NotAuthorized", "Sender not authorized")

    @staticmethod
    def _fault(fault: SoapFault, code_value: str = "env:Sender") -> bytes:
        env = f"{{{SOAP12}}}"
        root = etree.Element(f"{env}Envelope", nsmap={"env": SOAP12, "ter": TER})
        node = etree.SubElement(etree.SubElement(root, f"{env}Body"), f"{env}Fault")
        code = etree.SubElement(node, f"{env}Code")
        etree.SubElement(code, f"{env}Value").text = code_value
        etree.SubElement(etree.SubElement(code, f"{env}Subcode"), f"{env}Value").text = f"ter:{fault.subcode}"
        text = etree.SubElement(etree.SubElement(node, f"{env}Reason"), f"{env}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = fault.reason
        return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))

    # -- operations -----------------------------------------------------------------------------------------------
    def _base(self) -> str:
        return f"http://127.0.0.1:{self.port}/onvif"

    def _get_capabilities(self, _args: Any) -> dict[str, object]:
        streaming = {"RTPMulticast": False, "RTP_TCP": True, "RTP_RTSP_TCP": True}
        return {"Capabilities": {"Media": {"XAddr": f"{self._base()}/media_service",
                                           "StreamingCapabilities": streaming},
                                 "PTZ": {"XAddr": f"{self._base()}/ptz_service"}}}

    def _get_profiles(self, _args: Any) -> dict[str, object]:
        ptz = {"token": "ptz_config_1", "Name": "PTZ", "UseCount": 1, "NodeToken": "ptz_node_1"}
        return {"Profiles": [{"token": PROFILE_TOKEN, "fixed": True, "Name": self.name, "PTZConfiguration": ptz}]}

    def _check_profile(self, args: Any) -> None:
        if args.ProfileToken != PROFILE_TOKEN:
            raise SoapFault("NoProfile", f"no profile {args.ProfileToken!r}")

    @staticmethod
    def _xyz(vector: Any) -> tuple[float, float, float]:
        pan_tilt, zoom = getattr(vector, "PanTilt", None), getattr(vector, "Zoom", None)
        return (float(pan_tilt.x) if pan_tilt is not None else 0.0, float(pan_tilt.y) if pan_tilt is not None else 0.0,
                float(zoom.x) if zoom is not None else 0.0)

    def _continuous_move(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        self.state.settle()
        self.state.velocity = self._xyz(args.Velocity)
        return {}

    def _stop(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        self.state.settle()
        self.state.velocity = (0.0, 0.0, 0.0)
        return {}

    def _absolute_move(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        pan, tilt, zoom = self._xyz(args.Position)
        self.state.settle()
        self.state.velocity = (0.0, 0.0, 0.0)
        self.state.pan, self.state.tilt, self.state.zoom = clamp(pan, -1, 1), clamp(tilt, -1, 1), clamp(zoom, 0, 1)
        return {}

    def _relative_move(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        pan, tilt, zoom = self._xyz(args.Translation)
        state = self.state
        state.settle()
        state.velocity = (0.0, 0.0, 0.0)
        # Pan wraps around (a dome turns without end); tilt and zoom stop at their limits.
        state.pan = ((state.pan + pan + 1.0) % 2.0) - 1.0
        state.tilt, state.zoom = clamp(state.tilt + tilt, -1, 1), clamp(state.zoom + zoom, 0, 1)
        return {}

    def _position(self, pan: float, tilt: float, zoom: float) -> dict[str, object]:
        return {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}

    def _get_presets(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        return {"Preset": [{"token": token, "Name": name, "PTZPosition": self._position(p, t, z)}
                           for token, (name, p, t, z) in self.state.presets.items()]}

    def _goto_preset(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        preset = self.state.presets.get(args.PresetToken)
        if preset is None:
            raise SoapFault("NoToken", f"no preset {args.PresetToken!r}")
        self.state.settle()
        self.state.velocity = (0.0, 0.0, 0.0)
        _name, self.state.pan, self.state.tilt, self.state.zoom = preset
        return {}

    def _set_preset(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        self.state.settle()
        name = args.PresetName or ""
        token = args.PresetToken or next((t for t, p in self.state.presets.items() if p[0] == name), "")
        if not token:
            token = f"preset_{len(self.state.presets) + 1}"
            while token in self.state.presets:
                token += "_"
        self.state.presets[token] = (name or token, self.state.pan, self.state.tilt, self.state.zoom)
        return {"PresetToken": token}

    def _remove_preset(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        if self.state.presets.pop(args.PresetToken, None) is None:
            raise SoapFault("NoToken", f"no preset {args.PresetToken!r}")
        return {}

    def _get_status(self, args: Any) -> dict[str, object]:
        self._check_profile(args)
        state = self.state
        state.settle()
        moving = "MOVING" if state.moving else "IDLE"
        return {"PTZStatus": {"Position": self._position(state.pan, state.tilt, state.zoom),
                              "MoveStatus": {"PanTilt": moving, "Zoom": moving},
                              "UtcTime": datetime.now(UTC)}}


DEMO_PRESETS = (("preset_1", "路口全景", 0.0, -0.1, 0.0), ("preset_2", "东侧入口", 0.5, -0.2, 0.4))


def with_demo_ptz(cameras: list[CameraConfig],
                  stoppers: list[tuple[str, Callable[[], None]]]) -> list[CameraConfig]:
    """The demo's first placed camera becomes a PTZ dome: a simulated ONVIF head on loopback (two presets; an
    alarm on it turns it to 东侧入口 first; a case reported within 500 m turns it toward the case). The picture is the camera's clip; the head's state is what moves."""
    index = next((i for i, c in enumerate(cameras) if c.lat is not None and c.lon is not None), None)
    if index is None:
        return cameras
    sim = SimulatedOnvifCamera(user="admin", password="demo-ptz", name=cameras[index].name or "PTZ").start()
    for token, name, pan, tilt, zoom in DEMO_PRESETS:
        sim.state.presets[token] = (name, pan, tilt, zoom)
    stoppers.append(("demo PTZ camera", sim.stop))
    dome = dataclasses.replace(cameras[index], ptz=True, onvif_url=sim.device_url, onvif_user="admin",
                               onvif_password="demo-ptz", heading=0.0, alarm_preset="东侧入口",
                               case_range_m=500.0)  # the demo's scattered reports reach it now and then
    return [*cameras[:index], dome, *cameras[index + 1:]]
