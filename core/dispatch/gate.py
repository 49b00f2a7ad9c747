"""The lawful-sharing gate: may this packet leave the room for this agency, now?

Personal information (live video links, stills, clips, a person's location, plates, phone
numbers) leaves the room only when all of these hold for each such class the packet carries:
the incident qualifies (it is open, and its procedure's ``share`` entries, or without a
procedure its type's linked service and agencies, give that class to that kind of recipient),
the agency may be given it, one of the agency's legal bases covers it and was in force, and the
operator gave a purpose and confirmed it. Stills and clips go blurred unless the operator
unmasked them with a reason. A drill's packet is marked Exercise. Every reason is returned at
once, so the operator sees everything that stands in the way.

A pure function of its arguments: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.catalogue import Service
from core.dispatch.agencies import Agency
from core.dispatch.model import (
    SENSITIVE,
    AttachmentKind,
    DistributionStatus,
    Packet,
)
from core.model import STATUS_NAMES, Incident
from core.sop.definitions import DATA_NAMES, RECIPIENT_NAMES, DataClass, Recipient, Share

_D = DataClass

# Without a procedure, what each linked service's purpose needs to share (DOMAIN: the five
# safety-net services and the later ones), given only to the agencies its type names.
SERVICE_SHARES: dict[Service, frozenset[DataClass]] = {
    Service.POLICE_VIDEO: frozenset({_D.VIDEO_LINK, _D.STILL, _D.CLIP}),
    Service.POLICE_DISPATCH: frozenset({_D.STILL, _D.VIDEO_LINK}),
    Service.FIRE_DISPATCH: frozenset({_D.VIDEO_LINK, _D.STILL}),
    Service.DISASTER: frozenset({_D.VIDEO_LINK, _D.STILL, _D.CLIP}),
    Service.VULNERABLE: frozenset({_D.PERSON_LOCATION, _D.STILL, _D.VIDEO_LINK}),
    Service.CARE: frozenset({_D.PERSON_LOCATION}),
    Service.PROTECTION: frozenset({_D.VIDEO_LINK, _D.STILL, _D.PERSON_LOCATION}),
    Service.HAZARD: frozenset({_D.VIDEO_LINK, _D.STILL}),
    Service.TRAFFIC: frozenset({_D.VIDEO_LINK, _D.STILL, _D.CLIP}),
    Service.CIVIC: frozenset({_D.PLATE}),  # tax-arrears plates, to the tax office only
}

_PICTURES = (AttachmentKind.STILL, AttachmentKind.CLIP)


@dataclass(frozen=True, slots=True)
class GateReason:
    """One thing that stands in the way, in Korean and English, with a stable key."""

    key: str  # e.g. "basis.none": for translation tables and tests
    ko: str
    en: str
    data_class: DataClass | None = None
    operator_can_fix: bool = False  # the operator can still do it (purpose, confirm, unmask)

    def text(self, korean: bool = True) -> str:
        """The message in the interface language."""
        return self.ko if korean else self.en

    def bilingual(self) -> str:
        """Korean, then English."""
        return f"{self.ko} / {self.en}"


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The gate's answer: allowed when nothing stands in the way."""

    reasons: tuple[GateReason, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when the packet may be queued."""
        return not self.reasons

    @property
    def refusals(self) -> tuple[GateReason, ...]:
        """What the operator cannot change in the dialog (law, registry, incident)."""
        return tuple(r for r in self.reasons if not r.operator_can_fix)

    @property
    def still_to_do(self) -> tuple[GateReason, ...]:
        """What the operator must still do before sending."""
        return tuple(r for r in self.reasons if r.operator_can_fix)

    def messages(self, korean: bool = True) -> list[str]:
        """Every reason in the interface language."""
        return [r.text(korean) for r in self.reasons]


def _data(data_class: DataClass) -> tuple[str, str]:
    return DATA_NAMES[data_class]


def _names(classes: Iterable[DataClass]) -> tuple[str, str]:
    ordered = sorted(classes, key=list(DataClass).index)
    return ", ".join(_data(c)[0] for c in ordered), ", ".join(_data(c)[1] for c in ordered)


def shared_classes(
    incident: Incident, recipient: Recipient, procedure_shares: Sequence[Share]
) -> frozenset[DataClass]:
    """The personal-information classes the incident's purpose gives ``recipient``: its
    procedure's shares when it has a procedure, else its type's service (if the type names
    that kind of agency)."""
    if procedure_shares:
        return frozenset(c for s in procedure_shares if s.to is recipient for c in s.data)
    entry = incident.incident_type
    if entry is None or recipient.value not in entry.agencies:
        return frozenset()
    return SERVICE_SHARES.get(entry.service, frozenset())


def check(
    packet: Packet,
    agency: Agency,
    incident: Incident,
    *,
    procedure_shares: Sequence[Share],
    purpose_confirmed: bool,
    now_ms: int,
) -> GateDecision:
    """Every reason ``packet`` may not go to ``agency`` now (none: it may)."""
    reasons: list[GateReason] = []
    add = reasons.append
    agency_ko, agency_en = agency.name_ko, agency.name_en
    if packet.agency_id != agency.id or packet.incident_id != incident.id:
        add(
            GateReason(
                "packet.mismatch",
                f"패킷의 기관·사건({packet.agency_id}, {packet.incident_id})이 선택과 다릅니다",
                f"the packet names {packet.agency_id} and {packet.incident_id}, not the "
                "agency and incident chosen: compose it again",
            )
        )
    if not agency.enabled:
        add(
            GateReason(
                "agency.disabled",
                f"{agency_ko}: 기관 연계가 중지되어 있습니다 (기관 목록에서 사용으로 설정해야 함)",
                f"{agency_en} is disabled in the agency registry: nothing is sent to it until it "
                "is enabled",
            )
        )
    if packet.recipient is not agency.kind:
        want_ko, want_en = RECIPIENT_NAMES[packet.recipient]
        add(
            GateReason(
                "agency.kind",
                f"{agency_ko}은(는) {want_ko} 기관이 아닙니다",
                f"{agency_en} is not a {want_en} agency: choose one of that kind",
            )
        )
    if incident.exercise and packet.status is not DistributionStatus.EXERCISE:
        add(
            GateReason(
                "exercise.status",
                "훈련 사건의 패킷은 '훈련(Exercise)'으로 표시해야 합니다",
                "a drill's packet must be marked Exercise, never sent as real",
            )
        )
    if packet.expires_ms <= now_ms:
        add(
            GateReason(
                "packet.expired",
                "패킷의 유효 시간이 지났습니다: 다시 작성하십시오",
                "the packet has expired: compose it again",
            )
        )
    carried = set(packet.data_classes) | packet.carried_classes()
    for data_class in sorted(carried - set(agency.data_classes), key=list(DataClass).index):
        ko, en = _data(data_class)
        add(
            GateReason(
                "agency.data_class",
                f"{agency_ko}에는 {ko}을(를) 제공할 수 없습니다 (기관 등록 정보)",
                f"{agency_en} may not be given {en} (agency registry)",
                data_class,
            )
        )
    sensitive = sorted(carried & SENSITIVE, key=list(DataClass).index)
    if sensitive:
        reasons += _sensitive(packet, agency, incident, sensitive, procedure_shares, now_ms)
        reasons += _purpose(packet, purpose_confirmed)
    for attachment in packet.attachments:
        unmasked = attachment.kind in _PICTURES and attachment.unmasked
        if unmasked and not attachment.unmask_reason.strip():
            add(
                GateReason(
                    "attachment.unmasked",
                    f"'{attachment.description}'은(는) 얼굴·번호판이 가려지지 않았습니다: "
                    "가리지 않는 사유를 입력하거나 가린 영상을 첨부하십시오",
                    f"'{attachment.description}' is not blurred: give the reason it must go "
                    "unmasked, or attach a blurred one",
                    _D.STILL if attachment.kind is AttachmentKind.STILL else _D.CLIP,
                    operator_can_fix=True,
                )
            )
        if attachment.kind is AttachmentKind.LIVE_LINK and (attachment.expires_ms or 0) <= now_ms:
            add(
                GateReason(
                    "attachment.link_expired",
                    f"실시간 영상 링크 '{attachment.description}'의 유효 시간이 지났습니다",
                    f"the live link '{attachment.description}' has expired: make a new one",
                    _D.VIDEO_LINK,
                    operator_can_fix=True,
                )
            )
    return GateDecision(tuple(reasons))


def _sensitive(
    packet: Packet,
    agency: Agency,
    incident: Incident,
    sensitive: list[DataClass],
    procedure_shares: Sequence[Share],
    now_ms: int,
) -> list[GateReason]:
    reasons: list[GateReason] = []
    if not incident.status.is_open:
        status_ko, status_en = STATUS_NAMES[incident.status]
        names_ko, names_en = _names(sensitive)
        reasons.append(
            GateReason(
                "incident.not_open",
                f"사건이 '{status_ko}' 상태입니다: "
                f"종료된 사건의 {names_ko}은(는) 제공할 수 없습니다",
                f"the incident is {status_en}: {names_en} of a finished incident are not shared",
            )
        )
    shared = shared_classes(incident, packet.recipient, procedure_shares)
    recipient_ko, recipient_en = RECIPIENT_NAMES[packet.recipient]
    for data_class in sensitive:
        ko, en = _data(data_class)
        if data_class not in shared:
            reasons.append(
                GateReason(
                    "incident.no_share",
                    f"이 사건({incident.type_code})의 대응 목적에는 {recipient_ko}에 {ko} 제공이 "
                    "포함되지 않습니다",
                    f"this incident ({incident.type_code}) gives no {en} to a {recipient_en} "
                    "agency: its procedure does not share them for its purpose",
                    data_class,
                )
            )
        bases = agency.bases_for(data_class)
        if not bases:
            reasons.append(
                GateReason(
                    "basis.none",
                    f"{agency.name_ko}에 {ko}을(를) 제공할 법적 근거가 등록되어 있지 않습니다",
                    f"no legal basis of {agency.name_en} covers {en}",
                    data_class,
                )
            )
        elif not agency.bases_for(data_class, now_ms):
            dates = ", ".join(sorted(b.date or "?" for b in bases))
            reasons.append(
                GateReason(
                    "basis.future",
                    f"{agency.name_ko}의 {ko} 제공 근거는 {dates}부터 효력이 있습니다",
                    f"the legal basis of {agency.name_en} for {en} is in force only from {dates}",
                    data_class,
                )
            )
    return reasons


def _purpose(packet: Packet, purpose_confirmed: bool) -> list[GateReason]:
    reasons: list[GateReason] = []
    if not packet.purpose.strip():
        reasons.append(
            GateReason(
                "purpose.missing",
                "개인정보를 제공하는 목적을 입력하십시오",
                "give the purpose for which personal information is shared",
                operator_can_fix=True,
            )
        )
    if not purpose_confirmed:
        reasons.append(
            GateReason(
                "purpose.unconfirmed",
                "제공 목적과 법적 근거를 확인하십시오",
                "confirm the purpose and the legal basis before sending",
                operator_can_fix=True,
            )
        )
    return reasons
