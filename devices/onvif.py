"""ONVIF PTZ client (Profile S): turn, zoom and preset a network camera over SOAP.

Built on zeep with the official ONVIF WSDLs vendored in ``devices/onvif_wsdl/`` (no network needed to load them).
The client speaks to three services of one device: the device service (``GetCapabilities`` tells where the media
and PTZ services live), the media service (``GetProfiles``: the profile whose token every PTZ call names) and the
PTZ service (``ContinuousMove``, ``Stop``, ``AbsoluteMove``, ``RelativeMove``, ``GetPresets``, ``GotoPreset``,
``SetPreset``, ``GetStatus``). Requests carry a WS-UsernameToken with a password digest, as Profile S requires.

Positions are in ONVIF's generic spaces: pan and tilt in [-1, 1], zoom in [0, 1]; velocities in [-1, 1].

Calls block on the network: run them on a worker thread (``commandcenter/ptz/`` does), never on a GUI thread.
Every failure is an :class:`OnvifError` naming the device and the operation; a refused login is an
:class:`OnvifAuthError`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # zeep (and requests) load on first use: the application starts without them
    import zeep
    from zeep.transports import Transport
    from zeep.wsdl import Document

WSDL_DIR = Path(__file__).with_name("onvif_wsdl")
DEVICE_BINDING = "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"
MEDIA_BINDING = "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"
PTZ_BINDING = "{http://www.onvif.org/ver20/ptz/wsdl}PTZBinding"
PAN_TILT_SPACE = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
ZOOM_SPACE = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"

_documents: dict[str, Document] = {}
_documents_lock = threading.Lock()


class OnvifError(RuntimeError):
    """A PTZ call failed: the message names the device and the operation."""


class OnvifAuthError(OnvifError):
    """The device refused the user name or password."""


@dataclass(frozen=True)
class PtzPosition:
    pan: float  # -1 … 1
    tilt: float  # -1 … 1
    zoom: float  # 0 … 1


@dataclass(frozen=True)
class PtzStatus:
    position: PtzPosition
    moving: bool  # pan/tilt or zoom is moving


@dataclass(frozen=True)
class PtzPreset:
    token: str
    name: str
    position: PtzPosition | None


def wsdl_document(name: str, transport: Transport) -> Document:
    """The parsed WSDL ``name`` (e.g. "ptz.wsdl"), parsed once per process: onvif.xsd alone is 360 kB, and every
    camera of a wall would otherwise pay a second of parsing for the same text."""
    import zeep
    from zeep.wsdl import Document

    with _documents_lock:
        document = _documents.get(name)
        if document is None:
            document = Document(str(WSDL_DIR / name), transport,  # type: ignore[arg-type]
                                settings=zeep.Settings(strict=False))
            _documents[name] = document
        return document


SCHEMAS = ("devicemgmt.wsdl", "media.wsdl", "ptz.wsdl")
"""The WSDLs a PTZ client reads (device, media and PTZ services)."""


def load_schemas() -> list[str]:
    """Import zeep and parse :data:`SCHEMAS` now, once per process; returns the names now parsed.

    Why: the first PTZ call otherwise does it, and that call comes when a person waits for a camera to turn
    (the first case of the day, the first press on the pad): ~0.3 s of CPU, and meanwhile every other thread of
    the process (the screens' too) gets a share of the interpreter only. Call it on a worker thread.
    """
    from zeep.transports import Transport

    transport = Transport()
    for name in SCHEMAS:
        wsdl_document(name, transport)
    with _documents_lock:
        return sorted(_documents)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _position(raw: object) -> PtzPosition | None:
    if raw is None:
        return None
    pan_tilt = getattr(raw, "PanTilt", None)
    zoom = getattr(raw, "Zoom", None)
    return PtzPosition(float(getattr(pan_tilt, "x", 0.0) or 0.0), float(getattr(pan_tilt, "y", 0.0) or 0.0),
                       float(getattr(zoom, "x", 0.0) or 0.0))


def _vector(pan: float, tilt: float, zoom: float) -> dict[str, object]:
    return {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}


class OnvifPtzClient:
    """One ONVIF camera's PTZ. ``url`` is the device service (``http://host/onvif/device_service``).

    ``connect()`` (called by the first operation) finds the media and PTZ services and the first media profile
    that has a PTZ configuration; later calls reuse them. Thread-safe: calls are serialized per camera.
    """

    def __init__(self, url: str, user: str, password: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self._user = user
        self._password = password
        self._timeout = timeout
        self._lock = threading.RLock()
        self._ptz: zeep.proxy.ServiceProxy | None = None
        self.profile_token = ""
        import requests
        from zeep.transports import Transport

        session = requests.Session()
        session.trust_env = False  # a device on the LAN is never reached through a proxy from the environment
        self._transport = Transport(session=session, timeout=timeout, operation_timeout=timeout)

    # -- set-up ---------------------------------------------------------------------------------------------------
    def _client(self, wsdl: str) -> zeep.Client:
        import zeep
        from zeep.wsse.username import UsernameToken

        # A fresh UsernameToken per client: zeep makes a new nonce and timestamp for every request it signs.
        token = UsernameToken(self._user, self._password, use_digest=True)
        return zeep.Client(wsdl_document(wsdl, self._transport), wsse=token, transport=self._transport)

    def connect(self) -> None:
        with self._lock:
            if self._ptz is not None:
                return
            device = self._client("devicemgmt.wsdl").create_service(DEVICE_BINDING, self.url)
            caps = self._call("GetCapabilities", lambda: device.GetCapabilities(Category=["All"]))
            media_addr = getattr(getattr(caps, "Media", None), "XAddr", None)
            ptz_addr = getattr(getattr(caps, "PTZ", None), "XAddr", None)
            if not media_addr or not ptz_addr:
                raise OnvifError(f"ONVIF device {self.url}: no {'media' if not media_addr else 'PTZ'} service "
                                 "in GetCapabilities: the camera cannot pan/tilt/zoom over ONVIF")
            media = self._client("media.wsdl").create_service(MEDIA_BINDING, media_addr)
            profiles: list[object] = list(self._call("GetProfiles", media.GetProfiles) or [])  # type: ignore[call-overload]
            tokens = [str(getattr(p, "token", "")) for p in profiles if getattr(p, "PTZConfiguration", None) is not None]
            if not tokens:
                raise OnvifError(f"ONVIF device {self.url}: GetProfiles: no media profile has a PTZ configuration")
            self.profile_token = tokens[0]
            self._ptz = self._client("ptz.wsdl").create_service(PTZ_BINDING, ptz_addr)

    def _service(self) -> zeep.proxy.ServiceProxy:
        self.connect()
        assert self._ptz is not None
        return self._ptz

    def _call(self, operation: str, call: object) -> object:
        """Run one SOAP call, turning every way it can fail into an OnvifError naming device and operation."""
        import requests
        import zeep.exceptions

        assert callable(call)
        try:
            return call()
        except zeep.exceptions.Fault as exc:
            codes = " ".join(str(c) for c in (exc.subcodes or []))
            text = f"ONVIF device {self.url}: {operation} refused: {exc.message or exc.code} {codes}".strip()
            if "NotAuthorized" in codes or "NotAuthorized" in str(exc.message) or "FailedAuthentication" in codes:
                raise OnvifAuthError(f"ONVIF device {self.url}: {operation}: user {self._user!r} was refused "
                                     "(wrong user name or password)") from exc
            raise OnvifError(text) from exc
        except zeep.exceptions.TransportError as exc:
            if exc.status_code in (401, 403):
                raise OnvifAuthError(f"ONVIF device {self.url}: {operation}: user {self._user!r} was refused "
                                     f"(HTTP {exc.status_code})") from exc
            raise OnvifError(f"ONVIF device {self.url}: {operation}: HTTP {exc.status_code}") from exc
        except requests.RequestException as exc:
            raise OnvifError(f"ONVIF device {self.url}: {operation}: cannot reach the camera ({exc})") from exc
        except zeep.exceptions.Error as exc:
            raise OnvifError(f"ONVIF device {self.url}: {operation}: bad answer ({exc})") from exc

    # -- PTZ operations -------------------------------------------------------------------------------------------
    def continuous_move(self, pan: float, tilt: float, zoom: float = 0.0, timeout_s: float | None = None) -> None:
        """Move at the given velocities (each -1 … 1) until :meth:`stop` (or the device's timeout)."""
        with self._lock:
            ptz = self._service()
            args: dict[str, object] = {"ProfileToken": self.profile_token,
                                       "Velocity": _vector(clamp(pan, -1, 1), clamp(tilt, -1, 1), clamp(zoom, -1, 1))}
            if timeout_s is not None:
                args["Timeout"] = f"PT{timeout_s:g}S"
            self._call("ContinuousMove", lambda: ptz.ContinuousMove(**args))

    def stop(self) -> None:
        with self._lock:
            ptz = self._service()
            self._call("Stop", lambda: ptz.Stop(ProfileToken=self.profile_token, PanTilt=True, Zoom=True))

    def absolute_move(self, pan: float, tilt: float, zoom: float) -> None:
        with self._lock:
            ptz = self._service()
            position = _vector(clamp(pan, -1, 1), clamp(tilt, -1, 1), clamp(zoom, 0, 1))
            self._call("AbsoluteMove", lambda: ptz.AbsoluteMove(ProfileToken=self.profile_token, Position=position))

    def relative_move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        with self._lock:
            ptz = self._service()
            translation = _vector(clamp(pan, -2, 2), clamp(tilt, -2, 2), clamp(zoom, -1, 1))
            self._call("RelativeMove",
                       lambda: ptz.RelativeMove(ProfileToken=self.profile_token, Translation=translation))

    def presets(self) -> list[PtzPreset]:
        with self._lock:
            ptz = self._service()
            raw = self._call("GetPresets", lambda: ptz.GetPresets(ProfileToken=self.profile_token))
            return [PtzPreset(str(p.token), str(p.Name or p.token), _position(getattr(p, "PTZPosition", None)))
                    for p in raw or []]  # type: ignore[attr-defined]

    def goto_preset(self, token: str) -> None:
        with self._lock:
            ptz = self._service()
            self._call(f"GotoPreset {token!r}",
                       lambda: ptz.GotoPreset(ProfileToken=self.profile_token, PresetToken=token))

    def set_preset(self, name: str, token: str | None = None) -> str:
        """Save the current position as preset ``name`` (overwriting ``token`` if given); returns its token."""
        with self._lock:
            ptz = self._service()
            args: dict[str, object] = {"ProfileToken": self.profile_token, "PresetName": name}
            if token:
                args["PresetToken"] = token
            return str(self._call(f"SetPreset {name!r}", lambda: ptz.SetPreset(**args)))

    def status(self) -> PtzStatus:
        with self._lock:
            ptz = self._service()
            raw = self._call("GetStatus", lambda: ptz.GetStatus(ProfileToken=self.profile_token))
            position = _position(getattr(raw, "Position", None)) or PtzPosition(0.0, 0.0, 0.0)
            move = getattr(raw, "MoveStatus", None)
            moving = any(str(getattr(move, axis, "IDLE") or "IDLE").upper() == "MOVING"
                         for axis in ("PanTilt", "Zoom"))
            return PtzStatus(position, moving)
