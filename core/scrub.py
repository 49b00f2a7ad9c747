"""Personal data out of text that leaves the room (the support bundle), line by line.

A :class:`Scrubber` replaces credentials in URLs (``***@host``), passwords, tokens and
authorisation headers (``***``), e-mail addresses (``<email>``), this login's home folder
(``~``) and others' (``/home/<user>``), this login's name (``<user>``), licence plates
(``<plate>``), phone numbers (``<phone>``) and people. A person becomes ``<person-N>``, the
same N for the same name everywhere one scrubber goes (one scrubber per bundle). People are
found three ways:

- **actors**: ``operator:kim``, ``supervisor:박지은``, ``user:lee`` (the prefix stays);
- **known people**: every name the caller knows (the event log's actors and assignees, the
  agency registry's contacts), wherever it stands as a word; a Korean name also when a particle,
  an honorific or a title follows it (김민수가, 김민수님, 김민수 경위);
- **Korean names in free text**, where the context says a person is named: a word shaped like a
  Korean name (one of the 78 commonest surnames, or a two-syllable one such as 남궁, then one or
  two syllables) right after a label that introduces a person (신고자, 성명, 이름, 담당,
  운영자, 보호자, reporter, caller, name, by, ...), or right before 님, 씨 or a title (경위,
  팀장, 대원, ...). Words such a label is often followed by that are not names (정보, 변경,
  이동, 위치, 구조 ...) and, after the weaker English labels (name, user, contact, by, from),
  place names (…구, …동, …역) are left alone, so UI messages and districts stay readable.

Limits: a Korean name nobody registered, with no label before it and no honorific or title
after it ("김민수가 전화함"), is not found; neither is the second of two names after one label
("신고자 김민수, 이영희": only 김민수), a name with a rarer surname than these, or a romanised
name ("Kim Min-su") unless it is known. The other way round, a word shaped like a name that the
word list lacks is replaced after a label or before a title ("담당 방송실" loses 방송실); a
word is lost, no person is left in. Korean names the caller knows and the label rules together
are a safeguard, not a guarantee: support should still be told a bundle may hold free text.
"""

from __future__ import annotations

import getpass
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.dispatch.agencies import Registry
    from core.state import CityState

# What the manifest calls each kind of removed data, in the order it lists them.
KINDS = {
    "url_credentials": "user names and passwords in URLs",
    "secrets": "passwords, tokens and authorisation headers",
    "emails": "e-mail addresses",
    "actors": "people named as actors (operator:, supervisor:, user:)",
    "known_people": "names the event log and the agency registry know (operators, assignees, "
    "contacts)",
    "korean_names": "Korean names in free text (after 신고자, 성명, 담당, reporter... or before "
    "님, 씨, a title)",
    "home_folders": "home folders (yours as ~, others' as <user>)",
    "user_name": "your login name",
    "plates": "vehicle licence plates",
    "phones": "phone numbers",
    "long_lines": "over-long lines cut",
}

_SECRET_KEY = (
    r"(?<![A-Za-z])(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|private[_-]?key|credentials?)"
)
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")
_AUTHORIZATION = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|digest|token)\s+)?(?!\*\*\*)"
    r"[^\s\"',;]+"
)
_BEARER = re.compile(r"(?i)(?<![A-Za-z])(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_QUOTED_SECRET = re.compile(rf"(?i)({_SECRET_KEY}[\"']?\s*[=:]\s*)([\"'])(?!\*\*\*\2).*?(?<!\\)\2")
_BARE_SECRET = re.compile(rf"(?i)({_SECRET_KEY}[\"']?\s*[=:]\s*)(?![\"'\s]|\*\*\*)[^\s&,;)}}\]]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAME = r"[^\s,;:'\"()\[\]{}<>/\\]*[^\s,;:'\"()\[\]{}<>/\\.]"
_PERSON_PREFIXES = ("operator", "supervisor", "user")
_ACTOR = re.compile(rf"(?<![\w-])({'|'.join(_PERSON_PREFIXES)}):(?!<)({_NAME})")
_OTHER_HOME = re.compile(r"(?i)(/home/|/Users/|\b[a-z]:[\\/]+Users[\\/]+)(?!<)([^\s/\\\"':;,<]+)")
# Only the letters Korean plates use (not 일, 년, 월...), so dates in Korean text stay.
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주바사아자배하허호"
_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_PLATE = re.compile(
    rf"(?<!\d)(?:(?:{_REGIONS})\s?)?\d{{2,3}}\s?[{_PLATE_LETTERS}]\s?\d{{4}}(?!\d)"
)
_PHONE = re.compile(
    r"(?<![\d-])(?:"
    r"(?:\+82[-\s]?|0)1[016789][-\s.]?\d{3,4}[-\s.]?\d{4}"  # mobile
    r"|(?:\+82[-\s]?|0)(?:2|[3-6][1-5])[-\s)]\d{3,4}-\d{4}"  # landline (area code, dashes)
    r")(?![\d-])"
)
# Accounts and words that name a role or a part of the system, not a person; replacing them
# would garble ordinary words.
_GENERIC_ACCOUNTS = frozenset(
    {"root", "admin", "administrator", "user", "operator", "supervisor", "cityroom", "guest"}
    | {"system", "server", "desk", "test", "demo", "unknown", "none", "null", "local", "remote"}
    | {"rules", "agency", "simulator", "reviewer", "anonymous", "dispatch", "inbound"}
    | {"live-share", "workstation", "bundle", "automation", "escalation", "sensor"}
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- Korean names ---------------------------------------------------------------------------
_H = "가-힣"  # Hangul syllables
# The commonest surnames (well over 95% of people); rare ones (가, 사, 부, 예...) begin too
# many ordinary words.
_SURNAMES = (
    "남궁|황보|제갈|선우|독고|사공|서문|[김이박최정강조윤장임한오서신권황안송전홍유고문양손배"
    "백허남심노하곽성차주우구민류나진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕"
    "금옥육인맹제모탁국]"
)
_NAME_SHAPE = rf"(?:{_SURNAMES})[{_H}]{{1,2}}"
_TITLES = (
    "센터장|관제요원|구급대원|소방관|주무관|선생님|교수님|님|씨|경위|경사|경장|순경|경감|경정"
    "|총경|팀장|과장|계장|부장|실장|반장|소장|대원|요원|주임|대리|선생|교수"
)
_PARTICLES = (
    "에게서|으로부터|로부터|이라고|께서|에게|한테|이랑|라고|이가|이는|이를|이의|이와|이도|하고"
    "|으로|에서|와|과|은|는|이|가|을|를|의|께|도|만|랑|로|에"
)
_PARTICLE_SET = frozenset({"", *_PARTICLES.split("|")})
# After a name: nothing Hangul, or a title, an honorific and a particle, then nothing Hangul.
_AFTER_NAME = rf"(?=(?:(?:{_TITLES})\s?)?(?:님)?(?:{_PARTICLES})?(?![{_H}]))"
_KO_LABELS = (
    "신고자|신고인|제보자|성명|이름|담당자|담당|운영자|관제요원|요원|보호자|피해자|용의자"
    "|차주|소유자|운전자|민원인|작성자|접수자|처리자|인수자|인계자|실종자|대상자|환자|발신자"
    "|통화자|의뢰인"
)
_EN_PERSON_LABELS = (
    "reported by|reporter|called by|caller|assigned to|assignee|handed over to|operator"
    "|supervisor|owner|driver|guardian|victim|suspect|patient|contact person"
)
_EN_WEAK_LABELS = "username|user|name|contact|by|from"
_SEPARATOR = r"[\"']?(?:\s*[:=：]\s*|\s+)[\"']?"
_LABELLED_NAME = re.compile(
    rf"(?:(?P<person>(?<![A-Za-z])(?i:{_EN_PERSON_LABELS})|(?:{_KO_LABELS})(?:은|는|이|가)?)"
    rf"|(?P<weak>(?<![A-Za-z])(?i:{_EN_WEAK_LABELS})))"
    rf"{_SEPARATOR}(?P<name>{_NAME_SHAPE}){_AFTER_NAME}"
)
_TITLED_NAME = re.compile(
    rf"(?<![{_H}])(?P<name>{_NAME_SHAPE})\s?(?=(?:{_TITLES})(?:님)?(?:{_PARTICLES})?(?![{_H}]))"
)
_NAME_TOKEN = re.compile(rf"(?<![{_H}]){_NAME_SHAPE}(?![{_H}])")
_HANGUL = re.compile(rf"[{_H}]")
# Words shaped like a name (a surname syllable first) that follow labels and titles in logs.
_NOT_NAMES = _words(
    """
    이상 이동 이름 이후 이전 이내 이용 이유 이력 이관 이송 이의 이메일 이벤트 이모 이장
    정보 정상 정지 정체 정리 정확 정도 정책 정문 정류장 정원 조치 조회 조건 조사 조정 조작
    장비 장소 장애 장치 장면 장모 전화 전송 전달 전체 전원 전방 전용 전환 전담 전파 주소
    주의 주차 주변 주민 주간 주행 주인 주요 주택 주무관 차량 차주 차단 차로 차선 차장 신고
    신원 신규 신호 신청 신분 성명 성별 성공 연락 연락처 연령 연결 연동 위치 위험 위반 위원
    변경 변동 구조 구급 구역 구청 구간 구분 구급차 구청장 구조대 소방 소방서 소유자 소음
    소속 소재 소장 경찰 경찰서 경계 경보 경로 경고 경위 경사 경장 경감 경정 경비 고객 고장
    고정 고모 고지 강도 강우 강제 안내 안전 안부 문의 문자 문제 문서 방범 방향 방문 방송
    도로 도착 도움 도시 도난 도주 도보 도련 현장 현재 현황 인계 인수 인근 인원 인증 인적
    인명 인식 배정 배치 배차 지정 지역 지원 지점 지구대 지시 지연 지도 진술 진행 진입 진화
    진압 남성 여성 노인 유아 유형 유지 기록 기관 기타 기사 기준 기간 기능 명단 명령 표시
    공사 공원 공유 공지 공주 반장 원장 원인 원본 선택 선생 설정 설명 송출 송신 양호 우선
    서류 서명 서버 민원 민원인 하천 하수 하느 하나 심각 한국 한강 오류 오전 오후 손님 손상
    나이 권한 박사 최근 최초 최종 최대 최소 최신 임시 임무 임금 홍수 백업 허가 허위 추가
    추적 추정 함께 왕자 부모 형님 누님 마스크 차례 대상 사장 부장 과장 실장 팀장 회장
    마음 방역 신속 기획 전산 홍보 기술 방재 서울 경기 강원 전북 전남 경북 경남 제주 강남
    강북 강서 서초 송파 마포 성북 노원 도봉 서대문 양천 금천 구로
    """
)
# Endings that make a word of a listed one (변경됨, 이동중, 이동식) rather than a name.
_WORD_TAILS = frozenset("됨함중등및후전시건란값창용처식")
# The last syllable of place and office names (강남구, 역삼동, 강남역, 구청): after a weak
# label ("from 강남구") such a word is a place far more often than a person.
_PLACE_ENDINGS = frozenset("구동시군읍면리로길역청교천산항대")


class Scrubber:
    """Removes personal data from text, counting what it removed by kind. One scrubber per
    bundle: a person gets the same pseudonym (``<person-1>``…) throughout. ``people`` are the
    names known to be people (see :func:`people_in`); ``user`` and ``home`` default to this
    login's."""

    def __init__(
        self, user: str | None = None, home: Path | None = None, people: Iterable[str] = ()
    ) -> None:
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS})
        self.pseudonyms: dict[str, str] = {}
        home = Path.home() if home is None else home
        user = getpass.getuser() if user is None else user
        self._home = _home_pattern(home) if len(home.parts) > 1 else None
        self._user = (
            re.compile(rf"(?i)(?<![\w.-]){re.escape(user)}(?![\w-])")
            if len(user) >= 3 and user.lower() not in _GENERIC_ACCOUNTS
            else None
        )
        self._known = _known_pattern(people)

    def line(self, text: str) -> str:
        """``text`` with every kind of personal data replaced."""
        text = self._sub("url_credentials", _URL_CREDENTIALS, r"\1***@", text)
        text = self._sub("secrets", _AUTHORIZATION, _keep_scheme, text)
        text = self._sub("secrets", _BEARER, r"\1***", text)
        text = self._sub("secrets", _JWT, "***", text)
        text = self._sub("secrets", _QUOTED_SECRET, r"\1\2***\2", text)
        text = self._sub("secrets", _BARE_SECRET, r"\1***", text)
        text = self._sub("emails", _EMAIL, "<email>", text)
        text = self._sub("actors", _ACTOR, self._actor, text)
        if self._home is not None:
            text = self._sub("home_folders", self._home, "~", text)
        text = self._sub("home_folders", _OTHER_HOME, r"\1<user>", text)
        if self._user is not None:
            text = self._sub("user_name", self._user, "<user>", text)
        if self._known is not None:
            text = self._sub("known_people", self._known, lambda m: self.pseudonym(m[0]), text)
        if _HANGUL.search(text):
            text = self._sub("korean_names", _LABELLED_NAME, self._labelled, text)
            text = self._sub("korean_names", _TITLED_NAME, self._titled, text)
        text = self._sub("plates", _PLATE, "<plate>", text)
        return self._sub("phones", _PHONE, "<phone>", text)

    def pseudonym(self, name: str) -> str:
        """The pseudonym of ``name`` in this scrubber: ``<person-N>``, the same N for the same
        name (Latin letters in any case, spaces collapsed)."""
        key = " ".join(name.split()).casefold()
        if key not in self.pseudonyms:
            self.pseudonyms[key] = f"<person-{len(self.pseudonyms) + 1}>"
        return self.pseudonyms[key]

    def _sub(
        self,
        kind: str,
        pattern: re.Pattern[str],
        by: str | Callable[[re.Match[str]], str | None],
        text: str,
    ) -> str:
        if isinstance(by, str):
            text, n = pattern.subn(by, text)
            self.counts[kind] += n
            return text

        def replace(match: re.Match[str]) -> str:
            replaced = by(match)
            if replaced is None:  # not personal after all: left as it was
                return match[0]
            self.counts[kind] += 1
            return replaced

        return pattern.sub(replace, text)

    def _actor(self, match: re.Match[str]) -> str:
        return f"{match[1]}:{self.pseudonym(match[2])}"

    def _labelled(self, match: re.Match[str]) -> str | None:
        name = match["name"]
        if not looks_like_a_name(name) or (
            match["weak"] is not None and name[-1] in _PLACE_ENDINGS
        ):
            return None
        keep = match.start("name") - match.start()
        return match[0][:keep] + self.pseudonym(name)

    def _titled(self, match: re.Match[str]) -> str | None:
        name = match["name"]
        # A name ending in 장 before 님 is nearly always a title (사장님, 구청장님).
        if not looks_like_a_name(name) or name.endswith("장"):
            return None
        return self.pseudonym(name) + match[0][len(name) :]


def looks_like_a_name(word: str) -> bool:
    """Whether a word already shaped like a Korean name (surname + one or two syllables) is
    not one of the ordinary words of that shape this module knows, alone or with an ending or
    a particle (이동, 이동중, 정보로)."""
    return not any(
        word[:cut] in _NOT_NAMES and (word[cut:] in _WORD_TAILS or word[cut:] in _PARTICLE_SET)
        for cut in range(2, len(word) + 1)
    )


def person_of(actor: str) -> str | None:
    """The person an event's actor names: ``operator:kim`` -> ``kim``; a bare name is itself;
    None for a rule, an agency, the simulator or nobody."""
    prefix, colon, name = actor.strip().partition(":")
    if not colon:
        name = prefix
    elif prefix not in _PERSON_PREFIXES:
        return None
    name = name.strip()
    return name if name and name.casefold() not in _GENERIC_ACCOUNTS else None


def people_in(text: str) -> set[str]:
    """The names in a free-text field that names people (an assignee, a contact): the text
    itself when it is written in Latin letters (``lee``, ``Jane Doe``), and each word shaped
    like a Korean name in it (``김민수 경위`` -> ``김민수``)."""
    text = " ".join(text.split())
    if not _HANGUL.search(text):
        return {text} if text else set()
    return {m[0] for m in _NAME_TOKEN.finditer(text) if looks_like_a_name(m[0])}


def people_known(state: CityState | None = None, registry: Registry | None = None) -> set[str]:
    """Every person ``state`` names (who reported, acted on, was assigned or worked the
    procedure of an incident; who bookmarked) and the contacts of ``registry``'s agencies."""
    actors: set[str] = set()
    free_text: set[str] = set()
    if state is not None:
        for incident in state.incidents.values():
            actors.add(incident.reported_by)
            actors.update(t.actor for t in incident.transitions)
            if incident.assignee:
                free_text.add(incident.assignee)
            if incident.procedure is not None:
                actors.add(incident.procedure.started_by)
                actors.update(r.actor for r in incident.procedure.records.values())
        actors.update(b.actor for b in state.bookmarks)
    if registry is not None:
        free_text.update(c.name for a in registry.agencies for c in a.contacts)
    return _people_of(actors, free_text)


def people_in_event_log(path: Path) -> set[str]:
    """Every person the event log at ``path`` names as an actor or an assignee (read-only:
    a running workstation may be writing it). Raises ``LogOpenError`` or ``CorruptLogError``
    when it cannot be read."""
    from core.eventlog import read_only_connection

    with read_only_connection(path) as db:
        actors = {str(row[0]) for row in db.execute("SELECT DISTINCT actor FROM events")}
        assignees = {
            str(row[0])
            for row in db.execute(
                "SELECT DISTINCT json_extract(payload, '$.assignee') FROM events "
                "WHERE type = 'incident.assigned'"
            )
            if row[0]
        }
    return _people_of(actors, assignees)


def _people_of(actors: Iterable[str], free_text: Iterable[str]) -> set[str]:
    # Free text may be written like an actor ("operator:lee"), or hold a colon of its own.
    texts = [person_of(a) for a in actors] + [
        person_of(t) if t.partition(":")[0] in _PERSON_PREFIXES else t for t in free_text
    ]
    return {name for text in texts if text for name in people_in(text)}


def _known_pattern(people: Iterable[str]) -> re.Pattern[str] | None:
    """The pattern of the known names (None: none): Korean ones also before a particle or a
    title, Latin ones as whole words in any case. Longest first, so a full name wins over a
    part of it."""
    korean: set[str] = set()
    latin: set[str] = set()
    for raw in people:
        name = " ".join(raw.split())
        if _HANGUL.search(name):
            if len(name) >= 2 and looks_like_a_name(name):
                korean.add(name)
        elif (
            len(name) >= 3
            and name.casefold() not in _GENERIC_ACCOUNTS
            and any(c.isalpha() for c in name)
        ):
            latin.add(name)

    def alternatives(names: set[str]) -> str:
        ordered = sorted(names, key=lambda n: (-len(n), n))
        return "|".join(r"\s+".join(map(re.escape, n.split())) for n in ordered)

    forms = []
    if korean:
        forms.append(rf"(?<![{_H}])(?:{alternatives(korean)}){_AFTER_NAME}")
    if latin:
        forms.append(rf"(?<![\w.<-])(?i:{alternatives(latin)})(?![\w-])")
    # One pattern, so people are numbered in the order the text names them.
    return re.compile("|".join(forms)) if forms else None


def _keep_scheme(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme} ***" if scheme else f"{match.group(1)}***"


def _home_pattern(home: Path) -> re.Pattern[str]:
    """The home folder as it appears in text: native, with forward slashes, JSON-escaped."""
    native = str(home)
    forms = sorted({native, home.as_posix(), native.replace("\\", "\\\\")}, key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in forms)
    flags = "(?i)" if sys.platform == "win32" else ""
    return re.compile(rf"{flags}(?<![\w./\\-])(?:{alternatives})(?![\w.-])")
