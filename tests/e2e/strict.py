"""Strict wire-format validator for responses from tasknet.

botocore's parsers are deliberately lenient: they look up the members a shape
defines and silently ignore everything else, so a misspelled element
(`<cidrBlok>`), a wrong list item tag, `null` members or an unparsable
timestamp can slip through a boto3-based test while breaking other SDKs.
This module checks the raw HTTP body against the botocore output shape of
the operation and reports every element/key the model does not define and
every scalar that does not parse as its shape's type.

Use it in two ways:

* ``install(client)`` registers a ``before-parse`` handler on a boto3/botocore
  client.  botocore emits ``before-parse.<service>.<Operation>`` in
  ``Endpoint._do_get_response`` with the operation model and the raw
  ``response_dict`` (status, headers, body bytes) right before parsing, and
  outside the try/except that turns transport errors into retries, so an
  ``AssertionError`` raised there propagates straight out of the API call.
* ``validate(service, operation, body, status=200, headers=None)`` checks raw
  text directly (used by the self-check tests).

Supported protocols: ``ec2``, ``query`` (IAM, STS) and ``json`` (ECS).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import email.utils
import functools
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Iterable

import botocore.session
from botocore.model import OperationModel, ServiceModel

# Enum values are part of the contract (e.g. VPC state is "available", not
# "Available").  Flip to False if AWS itself ever sends values the bundled
# model does not know yet.
CHECK_ENUMS = True

# Values real AWS sends that the bundled botocore enums lack (documented in
# docs/reference/ecs-error-texts.md §6: dualStackIPv6 is still a documented,
# accepted ECS setting name although botocore dropped it from SettingName).
EXTRA_ENUM_VALUES = {
    "SettingName": {"dualStackIPv6", "guardDutyActivate", "defaultLogDriverMode", "fargateEventWindows"},
    # EC2 DescribeInternetGateways: an attached gateway's state is "available"
    # (API reference example response; terraform-provider-aws waits for it).
    "AttachmentStatus": {"available"},
    # EC2 VPC endpoints: AWS sends lower-case states (LocalStack recording in
    # shared/reference/samples/localstack-snapshot-ec2-vpce-az.json; AWS docs).
    "State": {"available"},
    # EC2 NAT gateway ENIs: AWS sends "nat_gateway"; the model says "natGateway".
    "NetworkInterfaceType": {"nat_gateway"},
}

_MAX_PROBLEMS_SHOWN = 25
_MAX_BODY_SHOWN = 4000

_INT_RE = re.compile(r"-?[0-9]+\Z")
_FLOAT_RE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_ISO8601_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})\Z"
)
_INT_RANGES = {
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
}
_FLOAT_TYPES = ("float", "double")
# botocore only parses these members from the body; the rest live in headers
# or the status line and must not appear in the body.
_NON_BODY_LOCATIONS = ("header", "headers", "statusCode", "querystring", "uri")


class StrictViolation(AssertionError):
    """The response does not match the botocore model (fails the test)."""


@dataclass(frozen=True)
class _Scalar:
    """Minimal stand-in for a botocore scalar Shape (for envelope fields)."""

    type_name: str
    name: str = "envelope"
    enum: tuple = ()
    serialization: dict = field(default_factory=dict)


_STRING = _Scalar("string")
_BOOLEAN = _Scalar("boolean")
_ERROR_TYPE = _Scalar("string", enum=("Sender", "Receiver"))


@dataclass(frozen=True)
class _Structure:
    """Minimal stand-in for a botocore StructureShape (envelope parts)."""

    name: str
    members: dict
    type_name: str = "structure"
    serialization: dict = field(default_factory=dict)


# The query <Error> element is checked by _check_error_fields; this stand-in
# only lets structure() accept the tag without descending into it.
_ERROR_SENTINEL = _Scalar("opaque", name="Error")


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    """The botocore model of `name` (cached: loading EC2's is ~0.5 s)."""
    return botocore.session.get_session().get_service_model(name)


def validate(
    service: str | ServiceModel,
    operation: str,
    body: bytes | str,
    status: int = 200,
    headers: dict | None = None,
) -> None:
    """Raise StrictViolation if `body` is not a well-formed response of
    `service`/`operation` per the botocore model.  `headers` are optional;
    when given, header-level rules (JSON request id) are checked too."""
    model = service if isinstance(service, ServiceModel) else service_model(service)
    validate_operation(model.operation_model(operation), status, body, headers)


def validate_operation(
    op: OperationModel, status: int, body: bytes | str, headers: dict | None = None
) -> None:
    if isinstance(body, str):
        body = body.encode("utf-8")
    problems = check(op, status, body, headers)
    if problems:
        raise StrictViolation(_format(op, status, body, problems))


def check(
    op: OperationModel, status: int, body: bytes | str, headers: dict | None = None
) -> list[str]:
    """Return a list of human-readable problems (empty when valid)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    protocol = op.metadata["protocol"]
    checker = _CHECKERS.get(protocol)
    if checker is None:
        return [f"strict.py has no validator for protocol {protocol!r}; extend it"]
    return checker(op, status, body, headers)


def install(client: Any) -> Any:
    """Validate every response `client` receives; returns the client."""
    client.meta.events.register(
        "before-parse", before_parse_handler, unique_id="tasknet-strict-validator"
    )
    return client


def before_parse_handler(operation_model, response_dict, **_kwargs) -> None:
    # Streaming bodies are file-like and would be consumed by reading them;
    # none of the services we validate has streaming output.
    if operation_model.has_streaming_output or operation_model.has_event_stream_output:
        return
    validate_operation(
        operation_model,
        response_dict["status_code"],
        response_dict["body"],
        response_dict.get("headers"),
    )


def _format(op: OperationModel, status: int, body: bytes, problems: list[str]) -> str:
    svc = op.service_model.service_name
    shown = problems[:_MAX_PROBLEMS_SHOWN]
    lines = [
        f"strict validator: {svc} {op.name} response (HTTP {status}) does not "
        f"match the botocore {op.service_model.api_version} model "
        f"({len(problems)} problem{'s' if len(problems) != 1 else ''}):"
    ]
    lines += [f"  - {p}" for p in shown]
    if len(problems) > len(shown):
        lines.append(f"  ... and {len(problems) - len(shown)} more")
    text = body.decode("utf-8", "replace")
    if len(text) > _MAX_BODY_SHOWN:
        text = text[:_MAX_BODY_SHOWN] + f"... [{len(text) - _MAX_BODY_SHOWN} more chars]"
    lines += ["response body:", text]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Scalar rules shared by XML and JSON
# --------------------------------------------------------------------------


def _enum_problem(shape, value: str, path: str) -> str | None:
    enum = getattr(shape, "enum", None)
    extra = EXTRA_ENUM_VALUES.get(getattr(shape, "name", ""), set())
    if CHECK_ENUMS and enum and value not in enum and value not in extra:
        shown = ", ".join(list(enum)[:12]) + (", ..." if len(enum) > 12 else "")
        return f"{path}: {value!r} is not a value of enum {shape.name} ({shown})"
    return None


def _check_iso8601(text: str) -> bool:
    if not _ISO8601_RE.match(text):
        return False
    try:
        # The regex checks the shape; this catches impossible dates/times.
        # datetime only holds microseconds, so trim longer fractions first.
        norm = re.sub(r"(\.[0-9]{1,6})[0-9]*", r"\1", text).replace("Z", "+00:00")
        _dt.datetime.fromisoformat(norm)
    except ValueError:
        return False
    return True


def _timestamp_format(shape, default: str) -> str:
    return shape.serialization.get("timestampFormat", default)


def _check_xml_scalar(shape, text: str, path: str) -> str | None:
    """Validate the text of a scalar XML element (None when fine)."""
    kind = shape.type_name
    if kind in ("string", "character"):
        return _enum_problem(shape, text, path)
    if kind in _INT_RANGES:
        if not _INT_RE.match(text):
            return f"{path}: {text!r} is not an {kind}"
        lo, hi = _INT_RANGES[kind]
        if not lo <= int(text) <= hi:
            return f"{path}: {text} is out of range for {kind}"
        return None
    if kind in _FLOAT_TYPES:
        if _FLOAT_RE.match(text) or text in ("NaN", "Infinity", "-Infinity"):
            return None
        return f"{path}: {text!r} is not a {kind}"
    if kind == "boolean":
        return None if text in ("true", "false") else (
            f"{path}: {text!r} is not a boolean (must be 'true' or 'false')"
        )
    if kind == "timestamp":
        fmt = _timestamp_format(shape, "iso8601")
        ok = {
            "iso8601": _check_iso8601,
            "unixTimestamp": lambda t: bool(_FLOAT_RE.match(t)),
            "rfc822": lambda t: email.utils.parsedate_to_datetime(t) is not None,
        }.get(fmt, _check_iso8601)
        try:
            valid = ok(text)
        except (TypeError, ValueError):
            valid = False
        return None if valid else f"{path}: {text!r} is not an {fmt} timestamp"
    if kind == "blob":
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return f"{path}: {text!r} is not base64 (blob)"
        return None
    return f"{path}: strict.py does not know scalar type {kind!r}"


def _check_json_scalar(shape, value: Any, path: str) -> str | None:
    kind = shape.type_name
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in ("string", "character"):
        if not isinstance(value, str):
            return f"{path}: expected a string, got {type(value).__name__} {value!r}"
        return _enum_problem(shape, value, path)
    if kind in _INT_RANGES:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{path}: expected an {kind}, got {type(value).__name__} {value!r}"
        lo, hi = _INT_RANGES[kind]
        return None if lo <= value <= hi else f"{path}: {value} is out of range for {kind}"
    if kind in _FLOAT_TYPES:
        if is_number or value in ("NaN", "Infinity", "-Infinity"):
            return None
        return f"{path}: expected a number ({kind}), got {type(value).__name__} {value!r}"
    if kind == "boolean":
        if isinstance(value, bool):
            return None
        return f"{path}: expected a boolean, got {type(value).__name__} {value!r}"
    if kind == "timestamp":
        fmt = _timestamp_format(shape, "unixTimestamp")
        if fmt == "unixTimestamp":
            if is_number:
                return None
            return (f"{path}: timestamps in JSON 1.1 are epoch-second numbers, "
                    f"got {type(value).__name__} {value!r}")
        if isinstance(value, str) and _check_iso8601(value):
            return None
        return f"{path}: {value!r} is not an {fmt} timestamp"
    if kind == "blob":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError, TypeError):
            return f"{path}: {value!r} is not a base64 string (blob)"
        return None
    return f"{path}: strict.py does not know scalar type {kind!r}"


# --------------------------------------------------------------------------
# XML (ec2 and query protocols)
# --------------------------------------------------------------------------


def _split_tag(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _member_tag(member_shape, member_name: str) -> str:
    """The element name botocore looks for (mirrors
    BaseXMLResponseParser._member_key_name)."""
    if member_shape.type_name == "list" and member_shape.serialization.get("flattened"):
        name = member_shape.member.serialization.get("name")
        if name is not None:
            return name
    return member_shape.serialization.get("name", member_name)


def _namespaces_ok(expected: str | None, actual: str | None) -> bool:
    if expected is None:
        return True
    return actual is not None and actual.rstrip("/") == expected.rstrip("/")


class _XmlChecker:
    """Walks an ElementTree against botocore shapes, collecting problems."""

    def __init__(self, list_item_tags: tuple[str, ...], namespace: str | None):
        # Tags accepted for list items whose member has no locationName:
        # 'item' for EC2, 'member' for awsQuery.
        self.list_item_tags = list_item_tags
        # Every element must be in the root's namespace.
        self.namespace = namespace
        self.problems: list[str] = []

    def add(self, problem: str | None) -> None:
        if problem:
            self.problems.append(problem)

    def local(self, elem: ET.Element, path: str) -> str:
        ns, name = _split_tag(elem.tag)
        if ns != self.namespace:
            self.add(f"{path}: element <{name}> is in namespace {ns!r}, "
                     f"expected {self.namespace!r}")
        return name

    def no_attributes(self, elem: ET.Element, path: str) -> None:
        if elem.attrib:
            self.add(f"{path}: unexpected attributes {dict(elem.attrib)}")

    def no_text(self, elem: ET.Element, path: str) -> None:
        if (elem.text or "").strip():
            self.add(f"{path}: unexpected text {elem.text.strip()[:60]!r} in a "
                     "container element")
        for child in elem:
            if (child.tail or "").strip():
                self.add(f"{path}: unexpected text {child.tail.strip()[:60]!r} "
                         "between elements")

    # -- dispatch ---------------------------------------------------------

    def value(self, shape, elem: ET.Element, path: str) -> None:
        kind = shape.type_name
        if kind == "opaque":
            return  # checked separately by the caller
        if kind == "structure":
            self.structure(shape, elem, path)
        elif kind == "list":
            self.list(shape, elem, path)
        elif kind == "map":
            self.map(shape, elem, path)
        else:
            self.scalar(shape, elem, path)

    def scalar(self, shape, elem: ET.Element, path: str) -> None:
        self.no_attributes(elem, path)
        if len(elem):
            names = [_split_tag(c.tag)[1] for c in elem]
            self.add(f"{path}: scalar {shape.type_name} ({shape.name}) has child "
                     f"elements {names[:5]}")
            return
        self.add(_check_xml_scalar(shape, elem.text or "", path))

    def structure(self, shape, elem: ET.Element, path: str,
                  extra: dict[str, Any] | None = None,
                  required: Iterable[str] = ()) -> None:
        """`extra` maps additional allowed tags (envelope fields) to a shape;
        `required` lists tags that must be present."""
        self.no_attributes(elem, path)
        self.no_text(elem, path)
        allowed: dict[str, tuple[Any, bool]] = {}  # tag -> (shape, repeatable)
        for member_name, member_shape in shape.members.items() if shape else ():
            if member_shape.serialization.get("location") in _NON_BODY_LOCATIONS:
                continue
            flat = (member_shape.type_name in ("list", "map")
                    and bool(member_shape.serialization.get("flattened")))
            allowed[_member_tag(member_shape, member_name)] = (member_shape, flat)
        for tag, extra_shape in (extra or {}).items():
            allowed[tag] = (extra_shape, False)

        seen: dict[str, int] = {}
        for child in elem:
            name = self.local(child, f"{path}/?")
            child_path = f"{path}/{name}"
            if name not in allowed:
                owner = shape.name if shape else f"<{path.rsplit('/', 1)[-1]}>"
                choices = ", ".join(sorted(allowed)) or "(nothing)"
                self.add(f"{child_path}: unknown element; {owner} allows: {choices}")
                continue
            member_shape, flat = allowed[name]
            index = seen.get(name, 0)
            seen[name] = index + 1
            if flat:
                # Flattened list/map: each occurrence is one item/entry.
                item_path = f"{child_path}[{index}]"
                if member_shape.type_name == "list":
                    self.value(member_shape.member, child, item_path)
                else:
                    self.map_entry(member_shape, child, item_path)
            elif index == 1:
                self.add(f"{child_path}: appears more than once but is not a list")
            elif index == 0:
                self.value(member_shape, child, child_path)
        for tag in required:
            if tag not in seen:
                self.add(f"{path}: missing required element <{tag}>")

    def list(self, shape, elem: ET.Element, path: str) -> None:
        self.no_attributes(elem, path)
        self.no_text(elem, path)
        item_name = shape.member.serialization.get("name")
        accepted = (item_name,) if item_name else self.list_item_tags
        for i, child in enumerate(elem):
            name = self.local(child, f"{path}/?")
            item_path = f"{path}/{name}[{i}]"
            if name not in accepted:
                self.add(f"{item_path}: list {shape.name} items must be "
                         f"<{'> or <'.join(accepted)}>")
                continue
            self.value(shape.member, child, item_path)

    def map(self, shape, elem: ET.Element, path: str) -> None:
        self.no_attributes(elem, path)
        self.no_text(elem, path)
        for i, child in enumerate(elem):
            name = self.local(child, f"{path}/?")
            entry_path = f"{path}/{name}[{i}]"
            if name != "entry":
                self.add(f"{entry_path}: map {shape.name} entries must be <entry>")
                continue
            self.map_entry(shape, child, entry_path)

    def map_entry(self, shape, elem: ET.Element, path: str) -> None:
        key_tag = shape.key.serialization.get("name") or "key"
        value_tag = shape.value.serialization.get("name") or "value"
        self.structure(
            None, elem, path,
            extra={key_tag: shape.key, value_tag: shape.value},
            required=(key_tag, value_tag),
        )


def _parse_xml(body: bytes) -> tuple[ET.Element | None, list[str]]:
    if not body.strip():
        return None, ["body is empty, expected an XML document"]
    try:
        return ET.fromstring(body), []
    except ET.ParseError as e:
        return None, [f"body is not well-formed XML: {e}"]


def _check_root(root: ET.Element, tag: str, namespace: str | None) -> list[str]:
    ns, name = _split_tag(root.tag)
    problems = []
    if name != tag:
        problems.append(f"/{name}: root element must be <{tag}>")
    if not _namespaces_ok(namespace, ns):
        problems.append(f"/{name}: root element namespace is {ns!r}, expected "
                        f"xmlns=\"{namespace}\"")
    return problems


def _modeled_error(service: ServiceModel, code: str | None):
    for shape in service.error_shapes:
        if code in (shape.error_code, shape.name):
            return shape
    return None


def _check_ec2(op: OperationModel, status: int, body: bytes, headers) -> list[str]:
    root, problems = _parse_xml(body)
    if root is None:
        return problems
    ns = op.service_model.metadata.get("xmlNamespace")
    if status >= 300:
        return _check_ec2_error(op, root)

    root_tag = f"{op.name}Response"
    problems = _check_root(root, root_tag, ns)
    xml = _XmlChecker(("item",), _split_tag(root.tag)[0])
    extra: dict[str, Any] = {"requestId": _STRING}
    if op.output_shape is None:
        # Operations without an output shape answer <return>true</return>.
        extra["return"] = _BOOLEAN
    xml.structure(op.output_shape, root, f"/{root_tag}", extra=extra,
                  required=("requestId",))
    return problems + xml.problems


def _check_ec2_error(op: OperationModel, root: ET.Element) -> list[str]:
    # <Response><Errors><Error><Code/><Message/></Error></Errors>
    #   <RequestID/></Response>  (real EC2 sends no xmlns here)
    ns = _split_tag(root.tag)[0]
    problems = _check_root(root, "Response", None)
    xml = _XmlChecker((), ns)
    xml.no_attributes(root, "/Response")
    xml.no_text(root, "/Response")
    seen = {}
    for child in root:
        name = xml.local(child, "/Response/?")
        seen[name] = seen.get(name, 0) + 1
        path = f"/Response/{name}"
        if name == "RequestID":
            xml.scalar(_STRING, child, path)
        elif name == "Errors":
            xml.no_attributes(child, path)
            xml.no_text(child, path)
            errors = list(child)
            if len(errors) != 1:
                xml.add(f"{path}: must contain exactly one <Error>, has {len(errors)}")
            for err in errors:
                ename = xml.local(err, f"{path}/?")
                if ename != "Error":
                    xml.add(f"{path}/{ename}: unknown element; expected <Error>")
                    continue
                _check_error_fields(xml, op, err, f"{path}/Error", with_type=False)
        else:
            xml.add(f"{path}: unknown element; EC2 error envelope allows: "
                    "Errors, RequestID")
    for tag in ("Errors", "RequestID"):
        if seen.get(tag, 0) != 1:
            xml.add(f"/Response: must contain exactly one <{tag}>, has {seen.get(tag, 0)}")
    return problems + xml.problems


def _check_error_fields(xml: _XmlChecker, op: OperationModel, err: ET.Element,
                        path: str, with_type: bool) -> None:
    code_elem = next((c for c in err if _split_tag(c.tag)[1] == "Code"), None)
    code = (code_elem.text or "").strip() if code_elem is not None else None
    extra: dict[str, Any] = {"Code": _STRING, "Message": _STRING}
    required = ["Code"]
    if with_type:
        extra["Type"] = _ERROR_TYPE
        required.append("Type")
    # A modeled error may carry its own members next to Code/Message.
    modeled = _modeled_error(op.service_model, code)
    if modeled is not None:
        for member_name, member_shape in modeled.members.items():
            extra.setdefault(_member_tag(member_shape, member_name), member_shape)
    xml.structure(None, err, path, extra=extra, required=required)
    if code == "":
        xml.add(f"{path}/Code: error code is empty")


def _check_query(op: OperationModel, status: int, body: bytes, headers) -> list[str]:
    root, problems = _parse_xml(body)
    if root is None:
        return problems
    ns = op.service_model.metadata.get("xmlNamespace")
    metadata = _Structure("ResponseMetadata", {"RequestId": _STRING})

    if status >= 300:
        # <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>
        problems = _check_root(root, "ErrorResponse", ns)
        xml = _XmlChecker(("member",), _split_tag(root.tag)[0])
        xml.structure(None, root, "/ErrorResponse",
                      extra={"Error": _ERROR_SENTINEL, "RequestId": _STRING},
                      required=("Error", "RequestId"))
        for child in root:
            if _split_tag(child.tag)[1] == "Error":
                _check_error_fields(xml, op, child, "/ErrorResponse/Error",
                                    with_type=True)
                break
        return problems + xml.problems

    root_tag = f"{op.name}Response"
    problems = _check_root(root, root_tag, ns)
    xml = _XmlChecker(("member",), _split_tag(root.tag)[0])
    out = op.output_shape
    wrapper = out.serialization.get("resultWrapper") if out is not None else None
    extra: dict[str, Any] = {"ResponseMetadata": metadata}
    required = ["ResponseMetadata"]
    if wrapper:
        extra[wrapper] = out
        required.append(wrapper)
        xml.structure(None, root, f"/{root_tag}", extra=extra, required=required)
    else:
        xml.structure(out, root, f"/{root_tag}", extra=extra, required=required)
    _require_request_id(xml, root, f"/{root_tag}/ResponseMetadata")
    return problems + xml.problems


def _require_request_id(xml: _XmlChecker, root: ET.Element, path: str) -> None:
    for child in root:
        if _split_tag(child.tag)[1] == "ResponseMetadata":
            rid = [c for c in child if _split_tag(c.tag)[1] == "RequestId"]
            if not rid or not (rid[0].text or "").strip():
                xml.add(f"{path}: missing or empty <RequestId>")


# --------------------------------------------------------------------------
# JSON 1.1 (json protocol)
# --------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


class _JsonChecker:
    def __init__(self):
        self.problems: list[str] = []

    def add(self, problem: str | None) -> None:
        if problem:
            self.problems.append(problem)

    def value(self, shape, value: Any, path: str) -> None:
        if value is None:
            # botocore drops nulls, but AWS omits absent members instead of
            # sending null; a null usually means a serializer bug.
            self.add(f"{path}: null value (absent members must be omitted)")
            return
        kind = shape.type_name
        if kind == "structure":
            self.structure(shape, value, path)
        elif kind == "list":
            if not isinstance(value, list):
                self.add(f"{path}: expected a JSON array ({shape.name}), "
                         f"got {type(value).__name__}")
                return
            for i, item in enumerate(value):
                self.value(shape.member, item, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                self.add(f"{path}: expected a JSON object (map {shape.name}), "
                         f"got {type(value).__name__}")
                return
            for key, item in value.items():
                self.add(_check_json_scalar(shape.key, key, f"{path} key {key!r}"))
                self.value(shape.value, item, f"{path}[{key!r}]")
        else:
            self.add(_check_json_scalar(shape, value, path))

    def structure(self, shape, value: Any, path: str) -> None:
        if getattr(shape, "is_document_type", False):
            return  # free-form JSON document
        if not isinstance(value, dict):
            self.add(f"{path}: expected a JSON object ({shape.name}), "
                     f"got {type(value).__name__}")
            return
        names = {m.serialization.get("name", n): m for n, m in shape.members.items()
                 if m.serialization.get("location") not in _NON_BODY_LOCATIONS}
        for key, item in value.items():
            if key not in names:
                choices = ", ".join(sorted(names)) or "(nothing)"
                self.add(f"{path}.{key}: unknown key; {shape.name} allows: {choices}")
                continue
            self.value(names[key], item, f"{path}.{key}")
        if getattr(shape, "is_tagged_union", False) and len(value) != 1:
            self.add(f"{path}: union {shape.name} must have exactly one member set, "
                     f"has {len(value)}")


def _header(headers, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _check_json(op: OperationModel, status: int, body: bytes, headers) -> list[str]:
    problems: list[str] = []
    if headers is not None and not _header(headers, "x-amzn-RequestId"):
        problems.append("headers: missing x-amzn-RequestId")
    text = body.decode("utf-8", "replace").strip()
    if not text and status < 300 and op.output_shape is None:
        return problems  # an empty body is fine when there is no output
    try:
        doc = json.loads(text or "null", object_pairs_hook=_no_duplicates)
    except _DuplicateKey as e:
        return problems + [f"$: duplicate key {e.args[0]!r} in JSON object"]
    except ValueError as e:
        return problems + [f"$: body is not valid JSON: {e}"]
    if not isinstance(doc, dict):
        return problems + [f"$: body must be a JSON object, got {type(doc).__name__}"]

    checker = _JsonChecker()
    if status >= 300:
        # {"__type": "ClientException", "message": "..."} plus any members of
        # the modeled error shape.
        code = doc.get("__type")
        if not isinstance(code, str) or not code:
            checker.add("$.__type: error responses need a non-empty string __type")
        code = code.rsplit("#", 1)[-1].split(":", 1)[0] if isinstance(code, str) else None
        members = {"__type": _STRING, "message": _STRING}
        if code in _JSON_FRAMEWORK_ERRORS:
            # The frontend's own errors carry a capital Message (research
            # notes, wire-errors.md §1.1); botocore reads either key.
            members = {"__type": _STRING, "Message": _STRING}
        modeled = _modeled_error(op.service_model, code)
        if modeled is not None:
            for name, shape in modeled.members.items():
                members.setdefault(shape.serialization.get("name", name), shape)
        checker.structure(_Structure("error", members), doc, "$")
    elif op.output_shape is None:
        if doc:
            checker.add(f"$: operation has no output, body must be {{}} "
                        f"but has keys {sorted(doc)}")
    else:
        checker.structure(op.output_shape, doc, "$")
    return problems + checker.problems


_JSON_FRAMEWORK_ERRORS = {"SerializationException", "UnknownOperationException"}

_CHECKERS = {"ec2": _check_ec2, "query": _check_query, "json": _check_json}
