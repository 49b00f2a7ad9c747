<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AnnotationDialog</name>
    <message>
        <source>What happened here, for the review (Ctrl+Enter saves)</source>
        <translation>사후 검토를 위해 이 시점에 있었던 일을 적으십시오 (Ctrl+Enter로 저장)</translation>
    </message>
</context>
<context>
    <name>AreaPicker</name>
    <message>
        <source>the incident&apos;s point</source>
        <translation>사건 위치(점)</translation>
    </message>
    <message>
        <source>a circle around it</source>
        <translation>사건 위치 중심의 원</translation>
    </message>
</context>
<context>
    <name>AttributeTableDialog</name>
    <message>
        <source>Attributes: %1</source>
        <translation>속성: %1</translation>
    </message>
</context>
<context>
    <name>BackendLink</name>
    <message>
        <source>&amp;Backend</source>
        <translation>백엔드(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Sign in again…</source>
        <translation>다시 로그인(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Refused commands…</source>
        <translation>거부된 명령(&amp;R)…</translation>
    </message>
</context>
<context>
    <name>BookmarkDialog</name>
    <message>
        <source>e.g. first unit on scene</source>
        <translation>예: 첫 출동대 현장 도착</translation>
    </message>
</context>
<context>
    <name>BundleActions</name>
    <message>
        <source>&amp;Export incident bundle…</source>
        <translation>사건 번들 내보내기(&amp;E)…</translation>
    </message>
    <message>
        <source>Write the selected incident&apos;s events, readings, evidence, packets, map and after-action report into one verifiable zip (Ctrl+Shift+X)</source>
        <translation>선택한 사건의 이벤트, 측정값, 증거, 전문, 지도, 사후 검토 보고서를 검증 가능한 zip 하나로 씁니다 (Ctrl+Shift+X)</translation>
    </message>
    <message>
        <source>&amp;Open incident bundle…</source>
        <translation>사건 번들 열기(&amp;O)…</translation>
    </message>
    <message>
        <source>Review an incident bundle read-only in a window of its own (Ctrl+O)</source>
        <translation>사건 번들을 별도 창에서 읽기 전용으로 검토합니다 (Ctrl+O)</translation>
    </message>
    <message>
        <source>Export incident bundle</source>
        <translation>사건 번들 내보내기</translation>
    </message>
    <message>
        <source>Incident bundle (*.zip)</source>
        <translation>사건 번들 (*.zip)</translation>
    </message>
    <message>
        <source>The bundle carries the incident&apos;s camera stills and clips. Every export is recorded in the log with who made it and why.</source>
        <translation>번들에는 사건의 CCTV 정지 영상과 클립이 들어 있습니다. 모든 반출은 누가, 왜 했는지와 함께 기록에 남습니다.</translation>
    </message>
    <message>
        <source>Purpose, e.g. after-action review, investigation request no. …</source>
        <translation>목적 (예: 사후 검토, 수사 협조 요청 번호 …)</translation>
    </message>
    <message>
        <source>This workstation keeps no copy of the event log to export a bundle from. Export it where the log is: python main.py bundle export --db FILE.</source>
        <translation>이 단말에는 번들을 내보낼 이벤트 로그 사본이 없습니다. 로그가 있는 곳에서 내보내십시오: python main.py bundle export --db FILE.</translation>
    </message>
    <message>
        <source>Exporting %1…</source>
        <translation>%1 내보내는 중…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>%1 written: %2 events, %3 files, %4.</source>
        <translation>%1 저장됨: 이벤트 %2건, 파일 %3개, %4.</translation>
    </message>
    <message>
        <source>signed</source>
        <translation>서명됨</translation>
    </message>
    <message>
        <source>not signed (no centre key)</source>
        <translation>서명 없음 (센터 키 없음)</translation>
    </message>
    <message>
        <source>Named in the bundle as missing:</source>
        <translation>번들에 누락으로 기록된 항목:</translation>
    </message>
    <message>
        <source>The export is not on record yet: the backend cannot be reached. Its record is queued and goes to the server when the link is back; keep the bundle to yourself until then.</source>
        <translation>반출이 아직 기록되지 않았습니다: 백엔드에 연결할 수 없습니다. 기록은 대기열에 저장되어 연결이 복구되면 서버로 전송됩니다. 그때까지 번들을 다른 사람에게 넘기지 마십시오.</translation>
    </message>
    <message>
        <source>The export could not be recorded:</source>
        <translation>반출을 기록하지 못했습니다:</translation>
    </message>
    <message>
        <source>Every export must be on record: delete the bundle, then export it again once the problem above is fixed.</source>
        <translation>모든 반출은 기록되어야 합니다: 번들을 삭제하고, 위 문제를 해결한 뒤 다시 내보내십시오.</translation>
    </message>
    <message>
        <source>Incident bundle</source>
        <translation>사건 번들</translation>
    </message>
    <message>
        <source>Open incident bundle</source>
        <translation>사건 번들 열기</translation>
    </message>
    <message>
        <source>The review window could not be started: %1 %2</source>
        <translation>검토 창을 시작할 수 없습니다: %1 %2</translation>
    </message>
</context>
<context>
    <name>CancelPacketDialog</name>
    <message>
        <source>Cancel a packet</source>
        <translation>패킷 전송 취소</translation>
    </message>
    <message>
        <source>The packet will not be sent. The reason is kept in the log with it.</source>
        <translation>이 패킷은 전송되지 않습니다. 사유는 패킷과 함께 기록에 남습니다.</translation>
    </message>
    <message>
        <source>Required: why is it cancelled?</source>
        <translation>필수: 취소 사유를 입력하세요</translation>
    </message>
    <message>
        <source>Cancel the packet</source>
        <translation>전송 취소</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>유지</translation>
    </message>
</context>
<context>
    <name>CityStatusBar</name>
    <message>
        <source>Event log: %1</source>
        <translation>이벤트 로그: %1</translation>
    </message>
    <message>
        <source>Standalone</source>
        <translation>독립 실행</translation>
    </message>
    <message>
        <source>Remote</source>
        <translation>원격</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>재현</translation>
    </message>
    <message>
        <source>Mode: %1</source>
        <translation>모드: %1</translation>
    </message>
    <message>
        <source>%1 events/s</source>
        <translation>초당 %1 이벤트</translation>
    </message>
    <message>
        <source>MQTT: on the server</source>
        <translation>MQTT: 서버에서 수신</translation>
    </message>
    <message>
        <source>The operations backend takes in the field devices&apos; readings and runs the situation rules ([field] in its server.toml).</source>
        <translation>운영 백엔드가 현장 장치의 측정값을 받고 상황 규칙을 실행합니다 (server.toml의 [field]).</translation>
    </message>
    <message>
        <source>MQTT: off</source>
        <translation>MQTT: 꺼짐</translation>
    </message>
    <message>
        <source>MQTT: connected %1</source>
        <translation>MQTT: 연결됨 %1</translation>
    </message>
    <message>
        <source>MQTT: reconnecting in %1 s (%2)</source>
        <translation>MQTT: %1초 후 재연결 (%2)</translation>
    </message>
    <message>
        <source>MQTT: reconnecting (%1)</source>
        <translation>MQTT: 재연결 중 (%1)</translation>
    </message>
    <message>
        <source>MQTT: not running (see the tooltip)</source>
        <translation>MQTT: 작동 안 함 (툴팁 참조)</translation>
    </message>
    <message>
        <source>MQTT: stopped</source>
        <translation>MQTT: 중지됨</translation>
    </message>
    <message>
        <source>MQTT: connecting</source>
        <translation>MQTT: 연결 중</translation>
    </message>
    <message>
        <source>No field-device broker is set (File ▸ Settings…).</source>
        <translation>현장 장치 브로커가 설정되지 않았습니다 (파일 ▸ 설정…).</translation>
    </message>
    <message>
        <source>Broker: %1</source>
        <translation>브로커: %1</translation>
    </message>
    <message>
        <source>Accepted: %1</source>
        <translation>정상 수신: %1</translation>
    </message>
    <message>
        <source>Rejected: %1</source>
        <translation>거부: %1</translation>
    </message>
    <message>
        <source>Unknown sensors: %1</source>
        <translation>미등록 센서: %1</translation>
    </message>
    <message>
        <source>Last rejection: %1</source>
        <translation>마지막 거부 사유: %1</translation>
    </message>
    <message>
        <source>Simulator: off</source>
        <translation>시뮬레이터: 꺼짐</translation>
    </message>
    <message>
        <source>running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>일시정지</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>정지</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>종료</translation>
    </message>
    <message>
        <source>Simulator: %1 ×%2</source>
        <translation>시뮬레이터: %1 ×%2</translation>
    </message>
</context>
<context>
    <name>CommandDialog</name>
    <message>
        <source>Assign to</source>
        <translation>담당자</translation>
    </message>
    <message>
        <source>Duplicate of</source>
        <translation>원 사건</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>Optional comment</source>
        <translation>메모 (선택)</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>메모</translation>
    </message>
</context>
<context>
    <name>ConflictText</name>
    <message>
        <source>“%1”: %2 of %3 incidents were changed by someone else meanwhile and left as they are; the others were sent.</source>
        <translation>“%1”: 사건 %3건 중 %2건은 그사이 다른 사람이 변경하여 그대로 두었습니다. 나머지는 전송했습니다.</translation>
    </message>
    <message>
        <source>%1 was changed after you chose “%2”: nothing was applied to it.</source>
        <translation>“%2”을(를) 선택한 뒤 %1이(가) 변경되었습니다: 아무것도 적용하지 않았습니다.</translation>
    </message>
    <message>
        <source>%1 was changed by %2 (%3) after you chose “%4”: nothing was applied to it.</source>
        <translation>“%4”을(를) 선택한 뒤 %2이(가) %1을(를) 변경했습니다 (%3): 아무것도 적용하지 않았습니다.</translation>
    </message>
    <message>
        <source>Its current state is on its way.</source>
        <translation>현재 상태를 받아오는 중입니다.</translation>
    </message>
    <message>
        <source>It is now %1, assigned to %2.</source>
        <translation>현재 %1 상태이며 담당자는 %2입니다.</translation>
    </message>
    <message>
        <source>It is now %1.</source>
        <translation>현재 %1 상태입니다.</translation>
    </message>
    <message>
        <source>Look at it and repeat “%1” if it is still needed.</source>
        <translation>확인한 뒤 아직 필요하면 “%1”을(를) 다시 하십시오.</translation>
    </message>
    <message>
        <source>report</source>
        <translation>접수</translation>
    </message>
    <message>
        <source>acknowledgement</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>assignment</source>
        <translation>배정</translation>
    </message>
    <message>
        <source>start of work</source>
        <translation>처리 시작</translation>
    </message>
    <message>
        <source>dispatch</source>
        <translation>출동</translation>
    </message>
    <message>
        <source>escalation</source>
        <translation>상향 보고</translation>
    </message>
    <message>
        <source>resolution</source>
        <translation>해결</translation>
    </message>
    <message>
        <source>closing</source>
        <translation>종결</translation>
    </message>
    <message>
        <source>reopening</source>
        <translation>재개</translation>
    </message>
    <message>
        <source>merge into another incident</source>
        <translation>다른 사건으로 병합</translation>
    </message>
</context>
<context>
    <name>DeskLayout</name>
    <message>
        <source>Layout</source>
        <translation>배치</translation>
    </message>
    <message>
        <source>Layout reset</source>
        <translation>배치를 초기화했습니다</translation>
    </message>
    <message>
        <source>main window</source>
        <translation>주 창</translation>
    </message>
    <message>
        <source>The screen the %1 was on is not connected; it is on the main screen now.</source>
        <translation>%1이(가) 있던 화면이 연결되어 있지 않아 주 화면으로 옮겼습니다.</translation>
    </message>
    <message>
        <source>The screen the %1 were on is not connected; they are on the main screen now.</source>
        <translation>%1이(가) 있던 화면이 연결되어 있지 않아 주 화면으로 옮겼습니다.</translation>
    </message>
</context>
<context>
    <name>DetectionBlock</name>
    <message>
        <source>#%1: the rule&apos;s record was not found in the log.</source>
        <translation>#%1: 이벤트 로그에서 규칙 감지 기록을 찾을 수 없습니다.</translation>
    </message>
    <message>
        <source>severity %1</source>
        <translation>등급 %1</translation>
    </message>
    <message>
        <source>Sensor</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>측정값</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Unknown sensor</source>
        <translation>알 수 없는 센서</translation>
    </message>
    <message>
        <source>Events used</source>
        <translation>근거 이벤트</translation>
    </message>
</context>
<context>
    <name>DiagnosticsJob</name>
    <message>
        <source>Save diagnostics</source>
        <translation>진단 정보 저장</translation>
    </message>
    <message>
        <source>Zip archive (*.zip)</source>
        <translation>Zip 압축 파일 (*.zip)</translation>
    </message>
    <message>
        <source>Diagnostics saved</source>
        <translation>진단 정보를 저장했습니다</translation>
    </message>
    <message>
        <source>The diagnostics bundle was saved to %1.</source>
        <translation>진단 묶음을 %1에 저장했습니다.</translation>
    </message>
    <message>
        <source>Its path and a short summary are on the clipboard: paste them into your message to support and attach the file. Personal data was removed; manifest.txt inside lists what the bundle holds and what was removed.</source>
        <translation>경로와 간단한 요약이 클립보드에 복사되었습니다. 지원 요청 메시지에 붙여 넣고 파일을 첨부하십시오. 개인정보는 제거되었으며, 묶음 안의 manifest.txt에 들어 있는 항목과 제거된 항목이 적혀 있습니다.</translation>
    </message>
    <message>
        <source>Unexpected error: %1. It was written to the log file.</source>
        <translation>예기치 않은 오류: %1. 로그 파일에 기록했습니다.</translation>
    </message>
    <message>
        <source>Diagnostics not saved</source>
        <translation>진단 정보를 저장하지 못했습니다</translation>
    </message>
    <message>
        <source>The diagnostics bundle could not be written.</source>
        <translation>진단 묶음을 쓸 수 없습니다.</translation>
    </message>
</context>
<context>
    <name>DispatchService</name>
    <message>
        <source>The agency registry is being read.</source>
        <translation>기관 목록을 읽는 중입니다.</translation>
    </message>
    <message>
        <source>The agency link has not started yet.</source>
        <translation>기관 연계가 아직 시작되지 않았습니다.</translation>
    </message>
    <message>
        <source>Live video is not shared from workstations connected to the centre&apos;s server.</source>
        <translation>센터 서버에 연결된 단말에서는 실시간 영상을 공유하지 않습니다.</translation>
    </message>
    <message>
        <source>The simulated agencies did not start: %1</source>
        <translation>모의 기관을 시작하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Reports and acknowledgements from agencies cannot be received: %1</source>
        <translation>기관의 신고와 확인 응답을 받을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Packets cannot be sent: %1</source>
        <translation>패킷을 보낼 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The agency link has stopped.</source>
        <translation>기관 연계가 중지되었습니다.</translation>
    </message>
    <message>
        <source>The centre&apos;s server delivers the packets and retries them itself.</source>
        <translation>패킷은 센터 서버가 전송하고 재시도합니다.</translation>
    </message>
    <message>
        <source>Select an incident first: a packet is always about one incident.</source>
        <translation>먼저 사건을 선택하십시오. 패킷은 항상 한 사건에 관한 것입니다.</translation>
    </message>
    <message>
        <source>Packet %1 to %2 queued; its delivery shows in the outbox.</source>
        <translation>%2에 보낼 패킷 %1을(를) 대기열에 넣었습니다. 전송 상태는 전송함에서 볼 수 있습니다.</translation>
    </message>
    <message>
        <source>The agency registry shares no live video: its [centre] has no live_share address.</source>
        <translation>기관 등록부에 실시간 영상 공유 설정이 없습니다: [centre]에 live_share 주소가 없습니다.</translation>
    </message>
    <message>
        <source>Live video cannot be shared: %1</source>
        <translation>실시간 영상을 공유할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>&amp;Packet to an agency…</source>
        <translation>기관에 패킷 전송(&amp;P)…</translation>
    </message>
    <message>
        <source>Replay shows the past: press F8 to go back to live to act.</source>
        <translation>다시보기는 지난 상황을 보여 줍니다. 조치하려면 F8을 눌러 실시간으로 돌아가십시오.</translation>
    </message>
</context>
<context>
    <name>DrillBanner</name>
    <message>
        <source>Score</source>
        <translation>평가</translation>
    </message>
    <message>
        <source>How the drill stands against its golden times</source>
        <translation>훈련이 골든타임을 얼마나 지키고 있는지 봅니다</translation>
    </message>
    <message>
        <source>Stop drill</source>
        <translation>훈련 종료</translation>
    </message>
    <message>
        <source>End the drill, show its score and start the live simulator again</source>
        <translation>훈련을 끝내고 평가 결과를 보여 준 뒤 실시간 시뮬레이터를 다시 시작합니다</translation>
    </message>
    <message>
        <source>훈련 중 — EXERCISE: %1</source>
        <translation>훈련 중 — EXERCISE: %1</translation>
    </message>
    <message>
        <source>Elapsed %1</source>
        <translation>경과 %1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>일시정지됨</translation>
    </message>
    <message>
        <source>The scenario has played out: finish the procedures, then stop</source>
        <translation>시나리오 재생이 끝났습니다: 대응 절차를 마친 뒤 훈련을 종료하십시오</translation>
    </message>
</context>
<context>
    <name>DrillDialog</name>
    <message>
        <source>Start a drill</source>
        <translation>훈련 시작</translation>
    </message>
    <message>
        <source>The chosen scenario plays alone, as it would live: no background readings, no minor incidents. Every incident it reports is marked 훈련 / EXERCISE, and the drill is scored by the golden-time timers of the procedures worked.</source>
        <translation>선택한 시나리오만 실제와 똑같이 재생됩니다. 배경 센서값과 경미한 사건은 만들지 않습니다. 시나리오가 신고하는 모든 사건에는 훈련 / EXERCISE 표시가 붙고, 훈련은 처리한 대응 절차의 골든타임 타이머로 평가합니다.</translation>
    </message>
    <message>
        <source>Stop it and start this drill</source>
        <translation>진행 중인 훈련을 끝내고 이 훈련 시작</translation>
    </message>
    <message>
        <source>Start drill</source>
        <translation>훈련 시작</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>A drill is on now: %1. Starting another stops it; its incidents stay in the log, marked as exercises.</source>
        <translation>지금 훈련이 진행 중입니다: %1. 다른 훈련을 시작하면 이 훈련은 종료되며, 그 사건들은 훈련으로 표시된 채 기록에 남습니다.</translation>
    </message>
    <message>
        <source>The live city simulator stops while the drill runs and starts again when the drill is stopped.</source>
        <translation>훈련이 진행되는 동안 실시간 도시 시뮬레이터는 멈추고, 훈련을 종료하면 다시 시작합니다.</translation>
    </message>
    <message>
        <source>Choose a scenario first.</source>
        <translation>먼저 시나리오를 선택하십시오.</translation>
    </message>
    <message>
        <source>A drill is being started or stopped; try again in a moment.</source>
        <translation>훈련을 시작하거나 종료하는 중입니다. 잠시 후 다시 시도하십시오.</translation>
    </message>
</context>
<context>
    <name>DrillMode</name>
    <message>
        <source>Start &amp;drill…</source>
        <translation>훈련 시작(&amp;D)…</translation>
    </message>
    <message>
        <source>S&amp;top drill</source>
        <translation>훈련 종료(&amp;T)</translation>
    </message>
    <message>
        <source>Drill</source>
        <translation>훈련</translation>
    </message>
    <message>
        <source>A drill is on in the event log: the live simulator starts when it is stopped.</source>
        <translation>이벤트 기록상 훈련이 진행 중입니다. 실시간 시뮬레이터는 훈련을 종료하면 시작합니다.</translation>
    </message>
    <message>
        <source>The drill could not be started or stopped: %1</source>
        <translation>훈련을 시작하거나 종료하지 못했습니다: %1</translation>
    </message>
</context>
<context>
    <name>DrillScoreDialog</name>
    <message>
        <source>Drill score — %1</source>
        <translation>훈련 평가 — %1</translation>
    </message>
    <message>
        <source>Incident / golden time</source>
        <translation>사건 / 골든타임</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>목표</translation>
    </message>
    <message>
        <source>Actual</source>
        <translation>실제</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>결과</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>새로 고침(&amp;R)</translation>
    </message>
    <message>
        <source>Score the drill again as it stands now</source>
        <translation>지금 상태로 훈련을 다시 평가합니다</translation>
    </message>
    <message>
        <source>Save as &amp;HTML…</source>
        <translation>HTML로 저장(&amp;H)…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>The procedures are still being read; the score follows in a moment.</source>
        <translation>대응 절차를 아직 읽는 중입니다. 잠시 후 평가 결과가 표시됩니다.</translation>
    </message>
    <message>
        <source>No exercise incident has been reported yet.</source>
        <translation>아직 신고된 훈련 사건이 없습니다.</translation>
    </message>
    <message>
        <source>an unknown time</source>
        <translation>알 수 없는 시각</translation>
    </message>
    <message>
        <source>Drill: %1. Started %2; scored as of %3; %4 exercise incident(s).</source>
        <translation>훈련: %1. 시작 %2, 평가 기준 시각 %3, 훈련 사건 %4건.</translation>
    </message>
    <message>
        <source>Score: no golden-time timer has run yet</source>
        <translation>평가: 아직 작동한 골든타임 타이머가 없습니다</translation>
    </message>
    <message>
        <source>Score: %1 % — %2 of %3 golden times met</source>
        <translation>평가: %1 % — 골든타임 %3개 중 %2개 달성</translation>
    </message>
    <message>
        <source>Not scored: no procedure, or its version is not known here</source>
        <translation>평가 제외: 대응 절차가 없거나 이 단말이 모르는 절차 버전입니다</translation>
    </message>
    <message>
        <source>No timer has run yet</source>
        <translation>아직 작동한 타이머 없음</translation>
    </message>
    <message>
        <source>%1 of %2 met</source>
        <translation>%2개 중 %1개 달성</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>달성</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>미달성</translation>
    </message>
    <message>
        <source>Running, within the target (not counted yet)</source>
        <translation>진행 중, 목표 이내 (아직 집계하지 않음)</translation>
    </message>
    <message>
        <source>Not started (not counted)</source>
        <translation>시작 안 됨 (집계 제외)</translation>
    </message>
    <message>
        <source>Missed (still running)</source>
        <translation>미달성 (아직 진행 중)</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>%1 done, %2 skipped</source>
        <translation>완료 %1, 건너뜀 %2</translation>
    </message>
    <message>
        <source>Mandatory steps skipped</source>
        <translation>건너뛴 필수 단계</translation>
    </message>
    <message>
        <source>Mandatory steps left open</source>
        <translation>남은 필수 단계</translation>
    </message>
    <message>
        <source>Mandatory steps</source>
        <translation>필수 단계</translation>
    </message>
    <message>
        <source>All done or skipped</source>
        <translation>모두 완료 또는 건너뜀</translation>
    </message>
    <message>
        <source>훈련 — EXERCISE</source>
        <translation>훈련 — EXERCISE</translation>
    </message>
    <message>
        <source>Save the drill score</source>
        <translation>훈련 평가 저장</translation>
    </message>
    <message>
        <source>HTML page (*.html)</source>
        <translation>HTML 문서 (*.html)</translation>
    </message>
    <message>
        <source>there is no score to save yet</source>
        <translation>아직 저장할 평가 결과가 없습니다</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>%1 저장 중…</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>%1에 저장했습니다.</translation>
    </message>
    <message>
        <source>Could not save %1: %2. Choose another folder or file name.</source>
        <translation>%1 파일을 저장하지 못했습니다: %2. 다른 폴더나 파일 이름을 선택하십시오.</translation>
    </message>
</context>
<context>
    <name>EscalationBanner</name>
    <message>
        <source>Select</source>
        <translation>선택</translation>
    </message>
    <message>
        <source>Select the incident in the queue</source>
        <translation>사건 목록에서 이 사건을 선택합니다</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Hide this alert on this workstation</source>
        <translation>이 단말에서 이 경보를 숨깁니다</translation>
    </message>
    <message>
        <source>Supervisor: %1 critical, not acknowledged for %2</source>
        <translation>상황실장: %1 긴급 사건이 %2 동안 미확인 상태입니다</translation>
    </message>
    <message>
        <source>%1 more escalated incidents</source>
        <translation>상향 보고된 사건 %1건 더 있음</translation>
    </message>
</context>
<context>
    <name>EscalationWatcher</name>
    <message>
        <source>Could not escalate %1: %2</source>
        <translation>%1을(를) 상향 보고하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>%1: step &apos;%2&apos; overdue</source>
        <translation>%1: &apos;%2&apos; 단계 지연</translation>
    </message>
    <message>
        <source>Escalation</source>
        <translation>상향 보고</translation>
    </message>
</context>
<context>
    <name>FieldIngest</name>
    <message>
        <source>The field-device feed is off: %1</source>
        <translation>현장 장치 수신이 꺼져 있습니다: %1</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <source>Shift hand-over report</source>
        <translation>근무 인수인계 보고서</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>새로 고침(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Save…</source>
        <translation>저장(&amp;S)…</translation>
    </message>
    <message>
        <source>Save the report as a PDF or an HTML page</source>
        <translation>보고서를 PDF 또는 HTML 파일로 저장합니다</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>The hand-over report needs a copy of the event log on this workstation, and this backend keeps none here. Open the log file itself (python main.py --db FILE).</source>
        <translation>인수인계 보고서에는 이 단말의 이벤트 로그 사본이 필요한데, 이 백엔드는 여기에 사본을 두지 않습니다. 로그 파일을 직접 여십시오 (python main.py --db FILE).</translation>
    </message>
    <message>
        <source>Building the report…</source>
        <translation>보고서 작성 중…</translation>
    </message>
    <message>
        <source>As of %1: %2 open incident(s); shift %3.</source>
        <translation>%1 기준: 미결 사건 %2건, 인계 근무조 %3.</translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation>PDF 문서 (*.pdf)</translation>
    </message>
    <message>
        <source>HTML page (*.html)</source>
        <translation>HTML 문서 (*.html)</translation>
    </message>
    <message>
        <source>Save the hand-over report</source>
        <translation>인수인계 보고서 저장</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>%1 저장 중…</translation>
    </message>
    <message>
        <source>Could not save %1: %2. Choose another folder or file name.</source>
        <translation>%1 파일을 저장하지 못했습니다: %2. 다른 폴더나 파일 이름을 선택하십시오.</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>%1에 저장했습니다.</translation>
    </message>
</context>
<context>
    <name>IncidentDetailView</name>
    <message>
        <source>Select an incident to see its details.</source>
        <translation>사건을 선택하면 상세 내용이 표시됩니다.</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>District</source>
        <translation>자치구</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>위치</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>접수</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>담당자</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>서비스</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>개요</translation>
    </message>
    <message>
        <source>Linked</source>
        <translation>연계</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>이벤트</translation>
    </message>
    <message>
        <source>By</source>
        <translation>처리자</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>할당됨</translation>
    </message>
    <message>
        <source>Work started</source>
        <translation>처리 시작</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>출동</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>해결됨</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>종결됨</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>상향 보고됨</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>재개됨</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>병합됨</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>메모 추가</translation>
    </message>
    <message>
        <source>Observation</source>
        <translation>현장 상황</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>증거</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>대응 절차</translation>
    </message>
    <message>
        <source>Step done</source>
        <translation>단계 완료</translation>
    </message>
    <message>
        <source>Step skipped</source>
        <translation>단계 건너뜀</translation>
    </message>
    <message>
        <source>Timer started</source>
        <translation>타이머 시작</translation>
    </message>
    <message>
        <source>Packet refused</source>
        <translation>패킷 거부</translation>
    </message>
    <message>
        <source>Packet queued</source>
        <translation>패킷 대기</translation>
    </message>
    <message>
        <source>Packet attempt failed</source>
        <translation>패킷 전송 시도 실패</translation>
    </message>
    <message>
        <source>Packet sent</source>
        <translation>패킷 전송</translation>
    </message>
    <message>
        <source>Packet delivered</source>
        <translation>패킷 수신 확인</translation>
    </message>
    <message>
        <source>Packet acknowledged</source>
        <translation>패킷 기관 확인</translation>
    </message>
    <message>
        <source>Packet failed</source>
        <translation>패킷 전송 실패</translation>
    </message>
    <message>
        <source>Bookmark</source>
        <translation>책갈피</translation>
    </message>
    <message>
        <source>Annotation</source>
        <translation>주석</translation>
    </message>
    <message>
        <source>Replay %1</source>
        <translation>다시보기 %1</translation>
    </message>
    <message>
        <source>marks %1; recorded %2</source>
        <translation>표시 시점 %1, 기록 시각 %2</translation>
    </message>
    <message>
        <source>Still</source>
        <translation>정지영상</translation>
    </message>
    <message>
        <source>Clip</source>
        <translation>영상 클립</translation>
    </message>
    <message>
        <source>blurred: %1</source>
        <translation>흐림 처리: %1</translation>
    </message>
    <message>
        <source>version %1</source>
        <translation>버전 %1</translation>
    </message>
    <message>
        <source>severity %1</source>
        <translation>등급 %1</translation>
    </message>
    <message>
        <source>%1 was not reported yet at %2.</source>
        <translation>%2에는 %1이(가) 아직 신고되지 않았습니다.</translation>
    </message>
    <message>
        <source>EXERCISE (drill)</source>
        <translation>훈련</translation>
    </message>
</context>
<context>
    <name>IncidentQueuePanel</name>
    <message>
        <source>Replay shows the past: press F8 to go back to live to act.</source>
        <translation>다시보기는 지난 상황을 보여 줍니다. 조치하려면 F8을 눌러 실시간으로 돌아가십시오.</translation>
    </message>
    <message>
        <source>All services</source>
        <translation>전체 서비스</translation>
    </message>
    <message>
        <source>All districts</source>
        <translation>전체 자치구</translation>
    </message>
    <message>
        <source>Open incidents</source>
        <translation>미종결 사건</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>전체 상태</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>서비스</translation>
    </message>
    <message>
        <source>District</source>
        <translation>자치구</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>담당자 할당</translation>
    </message>
    <message>
        <source>Start work</source>
        <translation>처리 시작</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>출동</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>상향 보고</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>해결</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>종결</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>재개</translation>
    </message>
    <message>
        <source>Merge duplicate</source>
        <translation>중복 병합</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>메모 추가</translation>
    </message>
    <message>
        <source>Replay %1</source>
        <translation>다시보기 %1</translation>
    </message>
    <message>
        <source>%1 shown of %2</source>
        <translation>%2건 중 %1건 표시</translation>
    </message>
    <message>
        <source>%1 critical not acknowledged</source>
        <translation>긴급 미확인 %1건</translation>
    </message>
    <message>
        <source>There is no other open incident to merge into.</source>
        <translation>병합할 다른 미종결 사건이 없습니다.</translation>
    </message>
    <message>
        <source>it is already acknowledged</source>
        <translation>이미 확인된 사건입니다</translation>
    </message>
    <message>
        <source>acknowledge it first</source>
        <translation>먼저 확인하십시오</translation>
    </message>
    <message>
        <source>assign it first</source>
        <translation>먼저 담당자를 할당하십시오</translation>
    </message>
    <message>
        <source>start work on it first</source>
        <translation>먼저 처리를 시작하십시오</translation>
    </message>
    <message>
        <source>resolve it first</source>
        <translation>먼저 해결 처리하십시오</translation>
    </message>
    <message>
        <source>reopen it first</source>
        <translation>먼저 재개하십시오</translation>
    </message>
    <message>
        <source>it is still open</source>
        <translation>아직 종결되지 않았습니다</translation>
    </message>
    <message>
        <source>only open incidents can be merged</source>
        <translation>미종결 사건만 병합할 수 있습니다</translation>
    </message>
    <message>
        <source>merge into an open incident</source>
        <translation>미종결 사건으로 병합하십시오</translation>
    </message>
    <message>
        <source>Cannot %1 %2: it is %3; %4.</source>
        <translation>%2 사건은 현재 &apos;%3&apos; 상태라 &apos;%1&apos;을(를) 할 수 없습니다. %4.</translation>
    </message>
</context>
<context>
    <name>IncidentTableModel</name>
    <message>
        <source>Sev</source>
        <translation>등급</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>유형</translation>
    </message>
    <message>
        <source>District</source>
        <translation>자치구</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>경과</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>담당자</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>사건 번호</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>긴급</translation>
    </message>
    <message>
        <source>Major</source>
        <translation>중요</translation>
    </message>
    <message>
        <source>Minor</source>
        <translation>경미</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>정보</translation>
    </message>
    <message>
        <source>[EXERCISE]</source>
        <translation>[훈련]</translation>
    </message>
    <message>
        <source>Exercise: reported by a drill, not a real incident</source>
        <translation>훈련: 실제 사건이 아닌 훈련으로 보고된 사건입니다</translation>
    </message>
</context>
<context>
    <name>LinkStatusLabel</name>
    <message>
        <source>%1 refused</source>
        <translation>거부 %1건</translation>
    </message>
    <message>
        <source>Backend: connecting…</source>
        <translation>백엔드: 연결 중…</translation>
    </message>
    <message>
        <source>%1 queued</source>
        <translation>대기 %1건</translation>
    </message>
    <message>
        <source>Backend: online</source>
        <translation>백엔드: 연결됨</translation>
    </message>
    <message>
        <source>Backend: offline</source>
        <translation>백엔드: 연결 끊김</translation>
    </message>
    <message>
        <source>retrying</source>
        <translation>재시도 중</translation>
    </message>
    <message>
        <source>Backend: sign-in needed</source>
        <translation>백엔드: 로그인 필요</translation>
    </message>
    <message>
        <source>Backend: refused (see the tooltip)</source>
        <translation>백엔드: 거부됨 (도움말 참조)</translation>
    </message>
    <message>
        <source>Backend: %1</source>
        <translation>백엔드: %1</translation>
    </message>
    <message>
        <source>Account: %1 (%2)</source>
        <translation>계정: %1 (%2)</translation>
    </message>
    <message>
        <source>Account: %1</source>
        <translation>계정: %1</translation>
    </message>
    <message>
        <source>Since: %1</source>
        <translation>시각: %1부터</translation>
    </message>
    <message>
        <source>Last event: #%1</source>
        <translation>마지막 이벤트: #%1</translation>
    </message>
    <message>
        <source>Commands waiting to be sent: %1</source>
        <translation>전송 대기 중인 명령: %1건</translation>
    </message>
    <message>
        <source>Commands the server refused: %1 (click to see them)</source>
        <translation>서버가 거부한 명령: %1건 (클릭하여 보기)</translation>
    </message>
    <message>
        <source>Districts: all</source>
        <translation>관할 구역: 전체</translation>
    </message>
    <message>
        <source>Districts: %1 (the server withholds other districts&apos; events)</source>
        <translation>관할 구역: %1 (다른 구역의 이벤트는 서버가 보내지 않음)</translation>
    </message>
</context>
<context>
    <name>LivePlaceholder</name>
    <message>
        <source>Replay shows the city as it was at any instant.</source>
        <translation>다시보기는 지난 어느 시점의 도시 상황이든 그대로 보여 줍니다.</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>최근 1시간</translation>
    </message>
    <message>
        <source>Replay the last hour of the log</source>
        <translation>로그의 최근 1시간을 다시보기 합니다</translation>
    </message>
    <message>
        <source>Last 24 hours (%1)</source>
        <translation>최근 24시간 (%1)</translation>
    </message>
    <message>
        <source>Replay the last 24 hours, from the selected incident&apos;s report if one is selected</source>
        <translation>최근 24시간을 다시보기 합니다. 선택한 사건이 있으면 그 사건의 신고 시점부터 봅니다</translation>
    </message>
    <message>
        <source>Selected incident</source>
        <translation>선택한 사건</translation>
    </message>
    <message>
        <source>Replay the selected incident: from 10 minutes before its report to 10 minutes after its end</source>
        <translation>선택한 사건을 다시보기 합니다: 신고 10분 전부터 종료 10분 후까지</translation>
    </message>
</context>
<context>
    <name>LiveVideoPicker</name>
    <message>
        <source>valid %1 min</source>
        <translation>%1분 유효</translation>
    </message>
    <message>
        <source>No cameras are linked to this incident.</source>
        <translation>이 사건에 연결된 CCTV가 없습니다.</translation>
    </message>
    <message>
        <source>Live video cannot be shared from this window.</source>
        <translation>이 창에서는 실시간 영상을 공유할 수 없습니다.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Cityroom — City Integrated Operations Centre</source>
        <translation>Cityroom — 도시통합운영센터</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>Copy &amp;diagnostics…</source>
        <translation>진단 정보 복사(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Reset layout</source>
        <translation>배치 초기화(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>설정(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>종료(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Simulator</source>
        <translation>시뮬레이터(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Pause / resume</source>
        <translation>일시정지 / 재개(&amp;P)</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>도구(&amp;T)</translation>
    </message>
    <message>
        <source>Situation &amp;rules…</source>
        <translation>상황 규칙(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Procedure library…</source>
        <translation>대응 절차 목록(&amp;P)…</translation>
    </message>
    <message>
        <source>No simulator or drill runs on a workstation of the operations backend</source>
        <translation>운영 백엔드에 연결된 단말에서는 시뮬레이터나 훈련을 실행하지 않습니다</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>경보</translation>
    </message>
    <message>
        <source>The operations backend runs the situation rules ([field] in its server.toml).</source>
        <translation>운영 백엔드가 상황 규칙을 실행합니다 (server.toml의 [field]).</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <source>Find a district or neighbourhood (Enter)</source>
        <translation>자치구·행정동 찾기 (Enter)</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>PNG로 저장…</translation>
    </message>
    <message>
        <source>Open layer…</source>
        <translation>레이어 열기…</translation>
    </message>
    <message>
        <source>GeoJSON, GeoPackage, Shapefile (file, folder or zip), KML, CSV, GeoTIFF; or drop files on the map</source>
        <translation>GeoJSON, GeoPackage, Shapefile(파일·폴더·zip), KML, CSV, GeoTIFF — 지도에 끌어다 놓아도 됩니다</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>선택</translation>
    </message>
    <message>
        <source>Nearest cameras</source>
        <translation>가까운 CCTV</translation>
    </message>
    <message>
        <source>Cameras within radius</source>
        <translation>반경 내 CCTV</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>거리·면적 측정</translation>
    </message>
    <message>
        <source>What a click on the map does</source>
        <translation>지도를 클릭했을 때 할 일</translation>
    </message>
    <message>
        <source>Cameras near incident</source>
        <translation>사건 주변 CCTV</translation>
    </message>
    <message>
        <source>The nearest cameras to the selected incident</source>
        <translation>선택한 사건에서 가장 가까운 CCTV</translation>
    </message>
    <message>
        <source>Bookmarks</source>
        <translation>즐겨찾기</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Loading the map…</source>
        <translation>지도를 불러오는 중…</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>CCTV</translation>
    </message>
    <message>
        <source>Crime prevention</source>
        <translation>방범</translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation>교통</translation>
    </message>
    <message>
        <source>Disaster</source>
        <translation>재난</translation>
    </message>
    <message>
        <source>Parking / LPR</source>
        <translation>주정차·번호인식</translation>
    </message>
    <message>
        <source>Sensors</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>주요 시설</translation>
    </message>
    <message>
        <source>Basemap</source>
        <translation>배경지도</translation>
    </message>
    <message>
        <source>District names</source>
        <translation>자치구 이름</translation>
    </message>
    <message>
        <source>Districts</source>
        <translation>자치구 경계</translation>
    </message>
    <message>
        <source>Neighbourhoods</source>
        <translation>행정동 경계</translation>
    </message>
    <message>
        <source>The map page could not be built: %1</source>
        <translation>지도 페이지를 만들 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Map error: %1</source>
        <translation>지도 오류: %1</translation>
    </message>
    <message>
        <source>Select an incident first.</source>
        <translation>먼저 사건을 선택하십시오.</translation>
    </message>
    <message>
        <source>No %1 in the city data.</source>
        <translation>도시 데이터에 %1이(가) 없습니다.</translation>
    </message>
    <message>
        <source>Nearest %1 to %2:</source>
        <translation>%2에서 가장 가까운 %1:</translation>
    </message>
    <message>
        <source>faces it</source>
        <translation>지점을 향함</translation>
    </message>
    <message>
        <source>looks away</source>
        <translation>다른 방향</translation>
    </message>
    <message>
        <source>Nearest cameras:</source>
        <translation>가까운 CCTV:</translation>
    </message>
    <message>
        <source>%1 cameras within %2 m:</source>
        <translation>반경 %2 m 내 CCTV %1대:</translation>
    </message>
    <message>
        <source>Distance %1</source>
        <translation>거리 %1</translation>
    </message>
    <message>
        <source>Area %1</source>
        <translation>면적 %1</translation>
    </message>
    <message>
        <source>Save this view…</source>
        <translation>현재 화면 저장…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Bookmark</source>
        <translation>즐겨찾기</translation>
    </message>
    <message>
        <source>Name of this view</source>
        <translation>이 화면의 이름</translation>
    </message>
    <message>
        <source>Open layer</source>
        <translation>레이어 열기</translation>
    </message>
    <message>
        <source>Layers (*.geojson *.json *.gpkg *.shp *.zip *.kml *.csv *.tif *.tiff)</source>
        <translation>레이어 (*.geojson *.json *.gpkg *.shp *.zip *.kml *.csv *.tif *.tiff)</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 불러오는 중…</translation>
    </message>
    <message>
        <source>Coordinate system</source>
        <translation>좌표계</translation>
    </message>
    <message>
        <source>%1 does not say its coordinate system. Which is it?</source>
        <translation>%1 파일에 좌표계 정보가 없습니다. 어느 좌표계입니까?</translation>
    </message>
    <message>
        <source>%1 was not opened: no coordinate system chosen.</source>
        <translation>%1 파일을 열지 않았습니다: 좌표계를 선택하지 않았습니다.</translation>
    </message>
    <message>
        <source>Loading was cancelled; nothing was added.</source>
        <translation>불러오기를 취소했습니다. 추가된 것은 없습니다.</translation>
    </message>
    <message>
        <source>Opened %1.</source>
        <translation>%1 레이어를 열었습니다.</translation>
    </message>
    <message>
        <source>%1 invalid geometries repaired</source>
        <translation>잘못된 도형 %1개 보정</translation>
    </message>
    <message>
        <source>%1 features without usable geometry skipped</source>
        <translation>도형이 없는 객체 %1개 제외</translation>
    </message>
    <message>
        <source>User layers</source>
        <translation>사용자 레이어</translation>
    </message>
    <message>
        <source>Zoom to layer</source>
        <translation>레이어로 이동</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>불투명도</translation>
    </message>
    <message>
        <source>Colour by attribute</source>
        <translation>속성별 색상</translation>
    </message>
    <message>
        <source>One colour</source>
        <translation>단일 색상</translation>
    </message>
    <message>
        <source>Attribute table…</source>
        <translation>속성 표…</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>위로</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>아래로</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>No district or neighbourhood matches “%1”.</source>
        <translation>“%1”에 해당하는 자치구나 행정동이 없습니다.</translation>
    </message>
    <message>
        <source>Export the map view</source>
        <translation>지도 화면 저장</translation>
    </message>
</context>
<context>
    <name>MarkDialog</name>
    <message>
        <source>Annotate</source>
        <translation>메모</translation>
    </message>
    <message>
        <source>Bookmark</source>
        <translation>책갈피</translation>
    </message>
    <message>
        <source>At %1</source>
        <translation>시점 %1</translation>
    </message>
    <message>
        <source>about %1</source>
        <translation>사건 %1 관련</translation>
    </message>
    <message>
        <source>Type a note first.</source>
        <translation>먼저 메모를 입력하십시오.</translation>
    </message>
    <message>
        <source>Type a label first.</source>
        <translation>먼저 책갈피 이름을 입력하십시오.</translation>
    </message>
    <message>
        <source>Bookmarks mark instants of a replay: enter replay first.</source>
        <translation>책갈피는 다시보기의 한 시점을 표시합니다. 먼저 다시보기를 시작하십시오.</translation>
    </message>
</context>
<context>
    <name>MarksList</name>
    <message>
        <source>Bookmarks and annotations: click one to go there</source>
        <translation>책갈피와 메모: 누르면 그 시점으로 이동합니다</translation>
    </message>
    <message>
        <source>No bookmarks yet (Ctrl+B)</source>
        <translation>아직 책갈피가 없습니다 (Ctrl+B)</translation>
    </message>
    <message>
        <source>By %1, recorded %2</source>
        <translation>작성 %1, 기록 %2</translation>
    </message>
</context>
<context>
    <name>OutboxHeader</name>
    <message>
        <source>Packets are not sent from this window</source>
        <translation>이 창에서는 패킷을 전송하지 않습니다</translation>
    </message>
    <message>
        <source>Delivery worker running</source>
        <translation>전송 작업 실행 중</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>시작하는 중</translation>
    </message>
    <message>
        <source>Delivery worker not running: %1</source>
        <translation>전송 작업 중지됨: %1</translation>
    </message>
    <message>
        <source>%1 waiting</source>
        <translation>대기 %1</translation>
    </message>
    <message>
        <source>%1 sending</source>
        <translation>전송 중 %1</translation>
    </message>
    <message>
        <source>%1 retrying</source>
        <translation>재시도 %1</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>실패 %1</translation>
    </message>
    <message>
        <source>%1 in all</source>
        <translation>전체 %1</translation>
    </message>
    <message>
        <source>Replay %1: packets as they stood then (the delivery worker is live-only)</source>
        <translation>다시보기 %1: 그 시점의 패킷 상태 (전송 작업 상태는 실시간에서만 표시)</translation>
    </message>
    <message>
        <source>%1: link down, retrying at %2 — %3 failures in a row</source>
        <translation>%1: 연결 끊김, %2에 재시도 — 연속 %3회 실패</translation>
    </message>
    <message>
        <source>%1: link down, probing now — %3 failures in a row</source>
        <translation>%1: 연결 끊김, 지금 연결 확인 중 — 연속 %3회 실패</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Replay shows the past: press F8 to go back to live to act.</source>
        <translation>다시보기는 지난 상황을 보여 줍니다. 조치하려면 F8을 눌러 실시간으로 돌아가십시오.</translation>
    </message>
    <message>
        <source>All packets</source>
        <translation>전체 패킷</translation>
    </message>
    <message>
        <source>This incident</source>
        <translation>선택한 사건</translation>
    </message>
    <message>
        <source>Needing attention</source>
        <translation>조치 필요</translation>
    </message>
    <message>
        <source>Filter: incident, agency, error…</source>
        <translation>검색: 사건, 기관, 오류…</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>보기</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>지금 재전송</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>전송 취소…</translation>
    </message>
    <message>
        <source>Show packet</source>
        <translation>패킷 보기</translation>
    </message>
    <message>
        <source>Go to incident</source>
        <translation>사건으로 이동</translation>
    </message>
    <message>
        <source>Find in the outbox</source>
        <translation>발신함에서 찾기</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%2건 중 %1건</translation>
    </message>
    <message>
        <source>No packet has been queued for an agency yet.</source>
        <translation>아직 기관에 보낼 패킷이 없습니다.</translation>
    </message>
    <message>
        <source>Select an incident to see its packets.</source>
        <translation>사건을 선택하면 그 사건의 패킷이 표시됩니다.</translation>
    </message>
    <message>
        <source>No packet matches the filter.</source>
        <translation>조건에 맞는 패킷이 없습니다.</translation>
    </message>
    <message>
        <source>Sending %1 now.</source>
        <translation>%1을(를) 지금 전송합니다.</translation>
    </message>
    <message>
        <source>%1 is no longer waiting to be sent.</source>
        <translation>%1은(는) 더 이상 전송 대기 중이 아닙니다.</translation>
    </message>
    <message>
        <source>%1 is cancelled.</source>
        <translation>%1 전송을 취소했습니다.</translation>
    </message>
    <message>
        <source>%1 could not be cancelled: it has already left or failed.</source>
        <translation>%1은(는) 취소할 수 없습니다: 이미 전송되었거나 실패했습니다.</translation>
    </message>
    <message>
        <source>The delivery worker is not running.</source>
        <translation>전송 작업이 실행 중이 아닙니다.</translation>
    </message>
</context>
<context>
    <name>PacketBodyDialog</name>
    <message>
        <source>Packet %1</source>
        <translation>패킷 %1</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Agency</source>
        <translation>기관</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Reading the packet from the log…</source>
        <translation>기록에서 패킷을 읽는 중…</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>복사</translation>
    </message>
    <message>
        <source>%1 bytes, exactly as queued (the SHA-256 matches).</source>
        <translation>%1바이트, 대기열에 넣은 그대로입니다(SHA-256 일치).</translation>
    </message>
    <message>
        <source>%1 bytes, but they do not match the SHA-256 recorded when the packet was queued: the stored body was changed.</source>
        <translation>%1바이트이지만 대기열에 넣을 때 기록한 SHA-256과 일치하지 않습니다: 저장된 본문이 변경되었습니다.</translation>
    </message>
    <message>
        <source>The packet could not be read from the log: %1</source>
        <translation>기록에서 패킷을 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>PacketDialog</name>
    <message>
        <source>Packet to an agency — %1</source>
        <translation>기관 전송 패킷 — %1</translation>
    </message>
    <message>
        <source>EXERCISE — a drill&apos;s packet is marked Exercise, never Actual.</source>
        <translation>훈련 — 훈련 사건의 패킷은 실제(Actual)가 아닌 훈련(Exercise)으로만 전송됩니다.</translation>
    </message>
    <message>
        <source>Send [Ctrl+Enter]</source>
        <translation>전송 [Ctrl+Enter]</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Test (to the agency&apos;s test endpoint)</source>
        <translation>시험 (기관의 시험용 수신처로)</translation>
    </message>
    <message>
        <source>&amp;Agency</source>
        <translation>기관(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Format</source>
        <translation>형식(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Kind</source>
        <translation>종류(&amp;K)</translation>
    </message>
    <message>
        <source>In Korean, e.g. dispatch to the scene and clear the access road</source>
        <translation>예: 현장 출동 및 진입로 확보 요청</translation>
    </message>
    <message>
        <source>e.g. 12가3456, 34나5678 (sent as pseudonyms)</source>
        <translation>예: 12가3456, 34나5678 (가명으로 전송)</translation>
    </message>
    <message>
        <source>e.g. 010-1234-5678 (sent as a pseudonym)</source>
        <translation>예: 010-1234-5678 (가명으로 전송)</translation>
    </message>
    <message>
        <source>Only when faces or plates must be seen: why (logged)</source>
        <translation>얼굴·번호판을 가리지 않아야 할 때만: 사유 (기록됨)</translation>
    </message>
    <message>
        <source>I confirm the purpose and the legal basis (logged)</source>
        <translation>제공 목적과 법적 근거를 확인합니다 (기록됨)</translation>
    </message>
    <message>
        <source>&amp;Headline</source>
        <translation>제목(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Summary</source>
        <translation>상황 개요(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Requested action</source>
        <translation>요청 사항(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Purpose</source>
        <translation>제공 목적(&amp;P)</translation>
    </message>
    <message>
        <source>Legal basis</source>
        <translation>법적 근거</translation>
    </message>
    <message>
        <source>Ar&amp;ea</source>
        <translation>지역(&amp;E)</translation>
    </message>
    <message>
        <source>P&amp;lates</source>
        <translation>차량번호(&amp;L)</translation>
    </message>
    <message>
        <source>Ph&amp;one numbers</source>
        <translation>전화번호(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Unmask reason</source>
        <translation>비식별 해제 사유(&amp;U)</translation>
    </message>
    <message>
        <source>Li&amp;ve video</source>
        <translation>실시간 영상(&amp;V)</translation>
    </message>
    <message>
        <source>Contents</source>
        <translation>포함 내용</translation>
    </message>
    <message>
        <source>What leaves the room (exactly these bytes)</source>
        <translation>센터 밖으로 나가는 내용 (이 바이트 그대로)</translation>
    </message>
    <message>
        <source>The agency registry has no enabled agency.</source>
        <translation>기관 목록에 사용 중인 기관이 없습니다.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>확인 중…</translation>
    </message>
    <message>
        <source>none needed for a summary</source>
        <translation>상황 개요만 보내므로 필요 없음</translation>
    </message>
    <message>
        <source>Packet %1 · %2</source>
        <translation>패킷 %1 · %2</translation>
    </message>
    <message>
        <source>Queueing…</source>
        <translation>대기열에 넣는 중…</translation>
    </message>
    <message>
        <source>Refused and logged; nothing was sent.</source>
        <translation>거부되어 기록했습니다. 아무것도 보내지 않았습니다.</translation>
    </message>
</context>
<context>
    <name>PacketTableModel</name>
    <message>
        <source>Queued</source>
        <translation>등록 시각</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Agency</source>
        <translation>기관</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>구분</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>시도</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>세부 내용</translation>
    </message>
</context>
<context>
    <name>PacketView</name>
    <message>
        <source>Carries</source>
        <translation>포함</translation>
    </message>
    <message>
        <source>Left out</source>
        <translation>제외</translation>
    </message>
    <message>
        <source>route of %1 points</source>
        <translation>경로 (지점 %1개)</translation>
    </message>
    <message>
        <source>Does not validate: %1</source>
        <translation>검증 실패: %1</translation>
    </message>
    <message>
        <source>Ready to send: %1, %2 bytes, valid and lawful.</source>
        <translation>전송 준비 완료: %1, %2바이트, 형식 검증과 적법성 확인 통과.</translation>
    </message>
</context>
<context>
    <name>PacketWords</name>
    <message>
        <source>queued</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>retrying</source>
        <translation>재시도 중</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>전송됨</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>수신됨</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>Actual</source>
        <translation>실제</translation>
    </message>
    <message>
        <source>Exercise</source>
        <translation>훈련</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>시험</translation>
    </message>
    <message>
        <source>expired before it could be sent</source>
        <translation>전송 전에 만료됨</translation>
    </message>
    <message>
        <source>refused by the agency</source>
        <translation>기관이 거부함</translation>
    </message>
    <message>
        <source>its stored body was lost</source>
        <translation>저장된 본문이 손상됨</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>link down, probing it now</source>
        <translation>연결 끊김, 지금 연결 확인 중</translation>
    </message>
    <message>
        <source>link down, next try at %1</source>
        <translation>연결 끊김, %1에 재시도</translation>
    </message>
    <message>
        <source>waiting to be sent</source>
        <translation>전송 대기 중</translation>
    </message>
    <message>
        <source>next try due now</source>
        <translation>곧 재시도</translation>
    </message>
    <message>
        <source>next try in %1</source>
        <translation>%1 후 재시도</translation>
    </message>
    <message>
        <source>acknowledged %1 (%2 after sending)</source>
        <translation>%1 확인됨 (전송 후 %2)</translation>
    </message>
    <message>
        <source>receipt %1 at %2; waiting for the agency&apos;s Ack</source>
        <translation>수신증 %1 (%2); 기관의 확인 응답 대기 중</translation>
    </message>
    <message>
        <source>sent %1</source>
        <translation>%1 전송됨</translation>
    </message>
    <message>
        <source>waiting for the receipt file</source>
        <translation>수신증 파일 대기 중</translation>
    </message>
    <message>
        <source>waiting for the agency&apos;s Ack</source>
        <translation>기관의 확인 응답 대기 중</translation>
    </message>
    <message>
        <source>Incident: %1</source>
        <translation>사건: %1</translation>
    </message>
    <message>
        <source>Agency: %1</source>
        <translation>기관: %1</translation>
    </message>
    <message>
        <source>Format: %1</source>
        <translation>형식: %1</translation>
    </message>
    <message>
        <source>Status: %1</source>
        <translation>구분: %1</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>상태: %1</translation>
    </message>
    <message>
        <source>Queued: %1</source>
        <translation>등록: %1</translation>
    </message>
    <message>
        <source>Sent: %1</source>
        <translation>전송: %1</translation>
    </message>
    <message>
        <source>Delivered: %1</source>
        <translation>수신: %1</translation>
    </message>
    <message>
        <source>Acknowledged: %1</source>
        <translation>확인: %1</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>실패: %1</translation>
    </message>
    <message>
        <source>Attempts: %1</source>
        <translation>시도 횟수: %1</translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>마지막 오류: %1</translation>
    </message>
    <message>
        <source>Receipt: %1</source>
        <translation>수신증: %1</translation>
    </message>
    <message>
        <source>Ack: %1</source>
        <translation>확인 응답: %1</translation>
    </message>
    <message>
        <source>Expires: %1</source>
        <translation>만료: %1</translation>
    </message>
</context>
<context>
    <name>PacketsSection</name>
    <message>
        <source>Packets to agencies</source>
        <translation>기관 전송 패킷</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>대기</translation>
    </message>
    <message>
        <source>retrying</source>
        <translation>재시도 중</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>전송됨</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>수신됨</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>expired before it could be sent</source>
        <translation>전송 전에 만료됨</translation>
    </message>
    <message>
        <source>refused by the agency</source>
        <translation>기관이 거부함</translation>
    </message>
    <message>
        <source>its stored body was lost</source>
        <translation>저장된 본문이 손상됨</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>%1 earlier packets are in the outbox.</source>
        <translation>이전 패킷 %1건은 전송함에 있습니다.</translation>
    </message>
    <message>
        <source>Exercise</source>
        <translation>훈련</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>시험</translation>
    </message>
    <message>
        <source>acknowledged %1 (%2 after sending)</source>
        <translation>%1 확인됨 (전송 후 %2)</translation>
    </message>
    <message>
        <source>%1 tries</source>
        <translation>%1회 시도</translation>
    </message>
    <message>
        <source>next at %1</source>
        <translation>다음 시도 %1</translation>
    </message>
    <message>
        <source>Queued %1</source>
        <translation>등록 %1</translation>
    </message>
    <message>
        <source>Receipt %1</source>
        <translation>수신증 %1</translation>
    </message>
    <message>
        <source>Ack: %1</source>
        <translation>확인 응답: %1</translation>
    </message>
</context>
<context>
    <name>PanelLoader</name>
    <message>
        <source>The %1 panel could not be opened: %2</source>
        <translation>%1 패널을 열 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>PanelPlaceholder</name>
    <message>
        <source>Loading %1…</source>
        <translation>%1 불러오는 중…</translation>
    </message>
    <message>
        <source>The %1 panel could not be opened: %2
The rest of the desk works. Help &gt; Copy diagnostics collects the log for support.</source>
        <translation>%1 패널을 열 수 없습니다: %2
나머지 화면은 정상 동작합니다. 도움말 &gt; 진단 정보 복사로 지원용 로그를 모을 수 있습니다.</translation>
    </message>
</context>
<context>
    <name>Panels</name>
    <message>
        <source>Incident queue</source>
        <translation>사건 목록</translation>
    </message>
    <message>
        <source>Incident detail</source>
        <translation>사건 상세</translation>
    </message>
    <message>
        <source>Situation map</source>
        <translation>상황 지도</translation>
    </message>
    <message>
        <source>Video wall</source>
        <translation>영상 월</translation>
    </message>
    <message>
        <source>Sensors</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>절차</translation>
    </message>
    <message>
        <source>Outbox</source>
        <translation>전송함</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>다시보기</translation>
    </message>
</context>
<context>
    <name>PlotArchive</name>
    <message>
        <source>Sensors</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Could not read older readings: %1</source>
        <translation>이전 측정값을 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>PopOutKeyNames</name>
    <message>
        <source>Full screen, or back to a window</source>
        <translation>전체 화면, 또는 창으로 돌아가기</translation>
    </message>
    <message>
        <source>Leave full screen</source>
        <translation>전체 화면 끝내기</translation>
    </message>
    <message>
        <source>Close the camera window</source>
        <translation>카메라 창 닫기</translation>
    </message>
</context>
<context>
    <name>ProcedureHeader</name>
    <message>
        <source>Start procedure…</source>
        <translation>절차 시작…</translation>
    </message>
    <message>
        <source>[EXERCISE]</source>
        <translation>[훈련]</translation>
    </message>
    <message>
        <source>Change procedure…</source>
        <translation>절차 변경…</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>절차</translation>
    </message>
    <message>
        <source>Select an incident to see its procedure.</source>
        <translation>사건을 선택하면 대응 절차가 표시됩니다.</translation>
    </message>
    <message>
        <source>Reading the procedures…</source>
        <translation>대응 절차를 읽는 중…</translation>
    </message>
    <message>
        <source>No procedure</source>
        <translation>대응 절차 없음</translation>
    </message>
    <message>
        <source>No procedure for this incident type.</source>
        <translation>이 사건 유형에는 대응 절차가 없습니다.</translation>
    </message>
    <message>
        <source>This incident has no procedure yet; its type&apos;s is %1.</source>
        <translation>이 사건은 아직 대응 절차가 시작되지 않았습니다(유형 기본 절차: %1).</translation>
    </message>
    <message>
        <source>Start one with “Start procedure…”.</source>
        <translation>‘절차 시작…’ 버튼으로 시작하십시오.</translation>
    </message>
    <message>
        <source>This incident follows %1 version %2, which this workstation&apos;s library does not have: its steps cannot be shown.</source>
        <translation>이 사건은 %1 절차 버전 %2을(를) 따르지만 이 워크스테이션의 절차 목록에 없어 단계를 표시할 수 없습니다.</translation>
    </message>
    <message>
        <source>Replay %1</source>
        <translation>다시보기 %1</translation>
    </message>
    <message>
        <source>%1 was not reported yet at %2.</source>
        <translation>%2에는 %1이(가) 아직 신고되지 않았습니다.</translation>
    </message>
    <message>
        <source>%1 of %2 steps</source>
        <translation>%2단계 중 %1단계 처리</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>절차 완료</translation>
    </message>
    <message>
        <source>%1 overdue</source>
        <translation>%1건 지연</translation>
    </message>
    <message>
        <source>the incident follows version %1</source>
        <translation>사건 적용 버전 %1</translation>
    </message>
</context>
<context>
    <name>ProcedureLibraryDialog</name>
    <message>
        <source>Procedure library</source>
        <translation>대응 절차 목록</translation>
    </message>
    <message>
        <source>Search titles, incident types and steps</source>
        <translation>절차 제목, 사건 유형, 단계 검색</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Shipped procedures: %1</source>
        <translation>기본 제공 절차: %1</translation>
    </message>
    <message>
        <source>Your own procedures: %1</source>
        <translation>사용자 절차: %1</translation>
    </message>
    <message>
        <source>Reading the procedures…</source>
        <translation>대응 절차를 읽는 중…</translation>
    </message>
    <message>
        <source>No procedure matches the search.</source>
        <translation>검색과 일치하는 절차가 없습니다.</translation>
    </message>
    <message>
        <source>Version %1 · %2 · %3</source>
        <translation>버전 %1 · %2 · %3</translation>
    </message>
    <message>
        <source>Incident types</source>
        <translation>사건 유형</translation>
    </message>
    <message>
        <source>Started by hand only</source>
        <translation>수동으로만 시작</translation>
    </message>
    <message>
        <source>Golden-time timers</source>
        <translation>골든타임 타이머</translation>
    </message>
    <message>
        <source>Shared with</source>
        <translation>공유 대상</translation>
    </message>
    <message>
        <source>To</source>
        <translation>대상</translation>
    </message>
    <message>
        <source>What</source>
        <translation>자료</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>목적</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>Timer</source>
        <translation>타이머</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>목표</translation>
    </message>
    <message>
        <source>From</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>종료</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 또는 </translation>
    </message>
    <message>
        <source>the report</source>
        <translation>사건 접수</translation>
    </message>
    <message>
        <source>a step&apos;s action starts it</source>
        <translation>단계의 조치로 시작</translation>
    </message>
    <message>
        <source>step “%1” done</source>
        <translation>‘%1’ 단계 완료</translation>
    </message>
    <message>
        <source>mandatory</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>reminder after %1</source>
        <translation>%1 후 알림</translation>
    </message>
    <message>
        <source>Look at</source>
        <translation>확인 사항</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>조치</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>답변</translation>
    </message>
    <message>
        <source>The procedure ends here.</source>
        <translation>절차가 여기서 끝납니다.</translation>
    </message>
    <message>
        <source>Then</source>
        <translation>다음</translation>
    </message>
    <message>
        <source>open the %1 nearest cameras</source>
        <translation>가장 가까운 CCTV %1대 열기</translation>
    </message>
    <message>
        <source> within %1 m</source>
        <translation> (반경 %1 m 이내)</translation>
    </message>
    <message>
        <source>save a still of the highlighted camera</source>
        <translation>선택된 CCTV의 정지영상 저장</translation>
    </message>
    <message>
        <source>find the nearest %1 (%2)</source>
        <translation>가장 가까운 %1 찾기 (%2곳)</translation>
    </message>
    <message>
        <source>draft a packet to %1</source>
        <translation>%1에 보낼 전문 작성</translation>
    </message>
    <message>
        <source>notify %1</source>
        <translation>%1에 통보</translation>
    </message>
    <message>
        <source>start the timer “%1”</source>
        <translation>‘%1’ 타이머 시작</translation>
    </message>
</context>
<context>
    <name>ProcedurePanel</name>
    <message>
        <source>Replay shows the past: press F8 to go back to live to act.</source>
        <translation>다시보기는 지난 상황을 보여 줍니다. 조치하려면 F8을 눌러 실시간으로 돌아가십시오.</translation>
    </message>
    <message>
        <source>Mark the current step done</source>
        <translation>현재 단계를 완료로 표시</translation>
    </message>
    <message>
        <source>Skip the current step</source>
        <translation>현재 단계 건너뛰기</translation>
    </message>
    <message>
        <source>Answer %1 to the current step&apos;s question</source>
        <translation>현재 단계의 질문에 %1번으로 답하기</translation>
    </message>
    <message>
        <source>Answer the question with its number key (1–%1).</source>
        <translation>질문에는 숫자 키(1–%1)로 답하십시오.</translation>
    </message>
    <message>
        <source>The procedure library is empty.</source>
        <translation>등록된 대응 절차가 없습니다.</translation>
    </message>
    <message>
        <source>Show the procedure</source>
        <translation>대응 절차 보기</translation>
    </message>
</context>
<context>
    <name>ProcedureService</name>
    <message>
        <source>Procedures reloaded: %1 in force</source>
        <translation>대응 절차를 다시 읽었습니다: %1개 적용 중</translation>
    </message>
    <message>
        <source>Could not read the procedures: %1</source>
        <translation>대응 절차를 읽지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Procedure file refused: %1; the previous version stays in force</source>
        <translation>절차 파일이 거부되었습니다: %1. 이전 버전을 계속 적용합니다</translation>
    </message>
    <message>
        <source>Procedure file refused: %1</source>
        <translation>절차 파일이 거부되었습니다: %1</translation>
    </message>
    <message>
        <source>Procedures</source>
        <translation>대응 절차</translation>
    </message>
    <message>
        <source>Cannot create the folder for your own procedures %1: %2</source>
        <translation>사용자 절차 폴더 %1을(를) 만들 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>ProcedureWork</name>
    <message>
        <source>Cannot work the procedure of %1: it is %2; reopen it first.</source>
        <translation>%1의 대응 절차를 진행할 수 없습니다: 현재 %2 상태입니다. 먼저 재개하십시오.</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>거부됨: %1</translation>
    </message>
    <message>
        <source>Could not send the command: %1</source>
        <translation>명령을 보내지 못했습니다: %1</translation>
    </message>
    <message>
        <source>The procedure of %1 was changed by someone else after you chose; nothing was applied.</source>
        <translation>선택한 뒤 다른 사람이 %1의 대응 절차를 변경했습니다. 아무것도 적용하지 않았습니다.</translation>
    </message>
    <message>
        <source>Its current procedure is on its way.</source>
        <translation>현재 대응 절차를 받아오는 중입니다.</translation>
    </message>
    <message>
        <source>It follows no procedure now.</source>
        <translation>현재 따르는 대응 절차가 없습니다.</translation>
    </message>
    <message>
        <source>It now follows “%1” (started by %2; steps recorded: %3).</source>
        <translation>현재 “%1” 절차를 따릅니다 (%2 시작, 기록된 단계 %3개).</translation>
    </message>
    <message>
        <source>Look at it and choose again if a change is still needed.</source>
        <translation>확인한 뒤 아직 변경이 필요하면 다시 선택하십시오.</translation>
    </message>
</context>
<context>
    <name>QueueBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Hide this message: you have read it</source>
        <translation>이 메시지를 숨깁니다 (읽었음)</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
</context>
<context>
    <name>RefusedCommandsDialog</name>
    <message>
        <source>Commands the server refused</source>
        <translation>서버가 거부한 명령</translation>
    </message>
    <message>
        <source>These commands were made while the backend could not be reached and refused when they were sent. Nothing of them was applied; do again what is still needed.</source>
        <translation>이 명령들은 백엔드에 연결할 수 없을 때 만들어졌고 전송 시 거부되었습니다. 아무것도 적용되지 않았으니, 아직 필요한 조치는 다시 하십시오.</translation>
    </message>
    <message>
        <source>What</source>
        <translation>내용</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>대기 시각</translation>
    </message>
    <message>
        <source>The server&apos;s reason</source>
        <translation>서버의 거부 사유</translation>
    </message>
    <message>
        <source>Dismiss &amp;all</source>
        <translation>모두 닫기(&amp;A)</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>No refused commands.</source>
        <translation>거부된 명령이 없습니다.</translation>
    </message>
    <message>
        <source>%1 refused.</source>
        <translation>%1건 거부됨.</translation>
    </message>
</context>
<context>
    <name>RemoteLoginDialog</name>
    <message>
        <source>Sign in to the operations backend</source>
        <translation>운영 백엔드 로그인</translation>
    </message>
    <message>
        <source>Backend:</source>
        <translation>백엔드:</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>사용자 이름(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>비밀번호(&amp;P):</translation>
    </message>
    <message>
        <source>Work &amp;offline</source>
        <translation>오프라인으로 작업(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation>로그인(&amp;S)</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>사용자 이름과 비밀번호를 입력하십시오.</translation>
    </message>
    <message>
        <source>Signing in to %1…</source>
        <translation>%1에 로그인하는 중…</translation>
    </message>
    <message>
        <source>The backend refused the sign-in: %1</source>
        <translation>백엔드가 로그인을 거부했습니다: %1</translation>
    </message>
    <message>
        <source>Too many failed sign-ins: wait %1 s, then try again. (%2)</source>
        <translation>로그인 실패가 너무 많습니다: %1초 기다린 뒤 다시 시도하십시오. (%2)</translation>
    </message>
    <message>
        <source>This workstation and the backend speak different versions: %1</source>
        <translation>이 단말과 백엔드의 프로토콜 버전이 다릅니다: %1</translation>
    </message>
    <message>
        <source>The backend&apos;s TLS certificate could not be verified (%1). Start Cityroom with --ca-cert naming the centre&apos;s CA certificate (a PEM file).</source>
        <translation>백엔드의 TLS 인증서를 검증할 수 없습니다 (%1). 센터 CA 인증서(PEM 파일)를 --ca-cert로 지정하여 Cityroom을 시작하십시오.</translation>
    </message>
    <message>
        <source>%1 did not answer as a Cityroom backend (%2). Check the address.</source>
        <translation>%1이(가) Cityroom 백엔드로 응답하지 않았습니다 (%2). 주소를 확인하십시오.</translation>
    </message>
    <message>
        <source>The backend at %1 cannot be reached (%2). Check the address and the network, or work offline on this workstation&apos;s copy: commands are saved and sent when the backend is back.</source>
        <translation>%1의 백엔드에 연결할 수 없습니다 (%2). 주소와 네트워크를 확인하거나, 이 단말의 사본으로 오프라인 작업을 하십시오: 명령은 저장되었다가 백엔드가 복구되면 전송됩니다.</translation>
    </message>
</context>
<context>
    <name>ReplayActions</name>
    <message>
        <source>&amp;Replay</source>
        <translation>다시보기(&amp;R)</translation>
    </message>
    <message>
        <source>Enter &amp;replay</source>
        <translation>다시보기 시작(&amp;R)</translation>
    </message>
    <message>
        <source>Replay the last &amp;hour</source>
        <translation>최근 1시간 다시보기(&amp;H)</translation>
    </message>
    <message>
        <source>Replay the last &amp;24 hours</source>
        <translation>최근 24시간 다시보기(&amp;2)</translation>
    </message>
    <message>
        <source>Replay the selected &amp;incident</source>
        <translation>선택한 사건 다시보기(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Play / pause</source>
        <translation>재생 / 일시정지(&amp;P)</translation>
    </message>
    <message>
        <source>Step bac&amp;k 10 s</source>
        <translation>10초 뒤로(&amp;K)</translation>
    </message>
    <message>
        <source>Step for&amp;ward 10 s</source>
        <translation>10초 앞으로(&amp;W)</translation>
    </message>
    <message>
        <source>Pre&amp;vious event of the chosen kind</source>
        <translation>선택한 종류의 이전 이벤트(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Next event of the chosen kind</source>
        <translation>선택한 종류의 다음 이벤트(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Faster</source>
        <translation>빠르게(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Slower</source>
        <translation>느리게(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Bookmark…</source>
        <translation>책갈피(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;Annotate…</source>
        <translation>메모(&amp;A)…</translation>
    </message>
    <message>
        <source>Back to &amp;live</source>
        <translation>실시간으로 돌아가기(&amp;L)</translation>
    </message>
</context>
<context>
    <name>ReplayBanner</name>
    <message>
        <source>Replay</source>
        <translation>다시보기</translation>
    </message>
    <message>
        <source>다시보기 REPLAY</source>
        <translation>다시보기 REPLAY</translation>
    </message>
    <message>
        <source>Go back to live to see them</source>
        <translation>실시간으로 돌아가 확인하십시오</translation>
    </message>
    <message>
        <source>Back to live (F8)</source>
        <translation>실시간으로 돌아가기 (F8)</translation>
    </message>
    <message>
        <source>Show the live city again</source>
        <translation>실시간 도시 상황을 다시 봅니다</translation>
    </message>
    <message>
        <source>검토 REVIEW</source>
        <translation>검토 REVIEW</translation>
    </message>
    <message>
        <source>— %1, read-only</source>
        <translation>— %1, 읽기 전용</translation>
    </message>
    <message>
        <source>Opening the replay… live events are still being recorded</source>
        <translation>다시보기를 여는 중… 실시간 이벤트는 계속 기록되고 있습니다</translation>
    </message>
    <message>
        <source>— live events are still being recorded</source>
        <translation>— 실시간 이벤트는 계속 기록되고 있습니다</translation>
    </message>
    <message>
        <source>catching up…</source>
        <translation>따라잡는 중…</translation>
    </message>
    <message>
        <source>1 new live incident</source>
        <translation>새 실시간 사건 1건</translation>
    </message>
    <message>
        <source>%1 new live incidents</source>
        <translation>새 실시간 사건 %1건</translation>
    </message>
</context>
<context>
    <name>ReplayController</name>
    <message>
        <source>Select an incident first: replay then shows its story.</source>
        <translation>먼저 사건을 선택하십시오. 다시보기가 그 사건의 경과를 보여 줍니다.</translation>
    </message>
    <message>
        <source>This workstation keeps no copy of the event log to replay. Open the log file itself (python main.py --db FILE) to replay it.</source>
        <translation>이 단말에는 다시보기할 이벤트 로그 사본이 없습니다. 로그 파일을 직접 열어 다시보기 하십시오 (python main.py --db FILE).</translation>
    </message>
    <message>
        <source>This workstation&apos;s copy of the server&apos;s event log holds no events yet. Replay once the link has copied them (the status bar shows the link).</source>
        <translation>이 단말의 서버 이벤트 로그 사본에 아직 이벤트가 없습니다. 연결이 이벤트를 복사한 뒤 다시보기 하십시오 (상태 표시줄에 연결 상태가 표시됩니다).</translation>
    </message>
    <message>
        <source>The event log cannot be replayed: %1</source>
        <translation>이벤트 로그를 다시보기 할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>No later event of that kind in the replay window.</source>
        <translation>다시보기 구간에 이후의 해당 종류 이벤트가 없습니다.</translation>
    </message>
    <message>
        <source>No earlier event of that kind in the replay window.</source>
        <translation>다시보기 구간에 이전의 해당 종류 이벤트가 없습니다.</translation>
    </message>
    <message>
        <source>(The log is still being indexed.)</source>
        <translation>(로그 색인을 아직 만드는 중입니다.)</translation>
    </message>
    <message>
        <source>Bookmarks mark instants of a replay: enter replay first.</source>
        <translation>책갈피는 다시보기의 한 시점을 표시합니다. 먼저 다시보기를 시작하십시오.</translation>
    </message>
    <message>
        <source>Annotation saved at %1.</source>
        <translation>%1 시점에 메모를 저장했습니다.</translation>
    </message>
    <message>
        <source>Bookmark saved at %1.</source>
        <translation>%1 시점에 책갈피를 저장했습니다.</translation>
    </message>
</context>
<context>
    <name>ReplayEngine</name>
    <message>
        <source>That instant cannot be shown: %1</source>
        <translation>그 시점을 보여 줄 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Playback stopped: %1</source>
        <translation>재생이 멈췄습니다: %1</translation>
    </message>
    <message>
        <source>The replay&apos;s timeline cannot be built: %1</source>
        <translation>다시보기 타임라인을 만들 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>ReplayKinds</name>
    <message>
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>메모·관찰</translation>
    </message>
    <message>
        <source>Procedures</source>
        <translation>절차</translation>
    </message>
    <message>
        <source>Packets</source>
        <translation>패킷</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>증거</translation>
    </message>
    <message>
        <source>Situations</source>
        <translation>상황</translation>
    </message>
    <message>
        <source>Bookmarks</source>
        <translation>책갈피</translation>
    </message>
    <message>
        <source>System</source>
        <translation>시스템</translation>
    </message>
</context>
<context>
    <name>ReplayMark</name>
    <message>
        <source>REPLAY %1</source>
        <translation>다시보기 %1</translation>
    </message>
</context>
<context>
    <name>ReplayPanel</name>
    <message>
        <source>Show or hide these events on the timeline</source>
        <translation>타임라인에서 이 이벤트를 보이거나 숨깁니다</translation>
    </message>
</context>
<context>
    <name>Review</name>
    <message>
        <source>ALTERED — this bundle does not match what was exported:</source>
        <translation>변조됨 — 이 번들은 내보낸 내용과 일치하지 않습니다:</translation>
    </message>
    <message>
        <source>… and %1 more (python main.py bundle verify)</source>
        <translation>… 외 %1건 (python main.py bundle verify)</translation>
    </message>
    <message>
        <source>Intact: %1 events and every file match the manifest.</source>
        <translation>무결: 사건 기록 %1건과 모든 파일이 목록(manifest)과 일치합니다.</translation>
    </message>
    <message>
        <source>Not signed: its origin is not proven.</source>
        <translation>서명 없음: 출처가 증명되지 않았습니다.</translation>
    </message>
    <message>
        <source>Signed by key %1, which is not among your trusted keys.</source>
        <translation>키 %1로 서명되었으나, 신뢰하는 키 목록에 없는 키입니다.</translation>
    </message>
    <message>
        <source>Signed by the trusted key %1.</source>
        <translation>신뢰하는 키 %1로 서명되었습니다.</translation>
    </message>
    <message>
        <source>Verifying and opening %1…</source>
        <translation>%1 검증 후 여는 중…</translation>
    </message>
    <message>
        <source>Cityroom — review of %1 (%2), read-only</source>
        <translation>Cityroom — %1 검토 (%2), 읽기 전용</translation>
    </message>
    <message>
        <source>Bundle integrity</source>
        <translation>번들 무결성</translation>
    </message>
</context>
<context>
    <name>RulesEditorDialog</name>
    <message>
        <source>Situation rules</source>
        <translation>상황 규칙</translation>
    </message>
    <message>
        <source>These are the shipped rules and cannot be changed here. “Save as…” makes your own copy, which Cityroom then uses and you can edit.</source>
        <translation>기본 제공 규칙은 여기서 바꿀 수 없습니다. “다른 이름으로 저장…”으로 사본을 만들면 Cityroom이 그 사본을 사용하며, 사본은 편집할 수 있습니다.</translation>
    </message>
    <message>
        <source>&amp;Check</source>
        <translation>검사(&amp;C)</translation>
    </message>
    <message>
        <source>Check the text without saving it</source>
        <translation>저장하지 않고 내용을 검사합니다</translation>
    </message>
    <message>
        <source>Save and &amp;apply</source>
        <translation>저장 후 적용(&amp;A)</translation>
    </message>
    <message>
        <source>Save the file and put the rules in force now; refused text is not saved</source>
        <translation>파일을 저장하고 규칙을 즉시 적용합니다. 거부된 내용은 저장되지 않습니다</translation>
    </message>
    <message>
        <source>Save a&amp;s…</source>
        <translation>다른 이름으로 저장(&amp;S)…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Rules file: %1</source>
        <translation>규칙 파일: %1</translation>
    </message>
    <message>
        <source>(shipped, read-only)</source>
        <translation>(기본 제공, 읽기 전용)</translation>
    </message>
    <message>
        <source>%1 rules in force</source>
        <translation>적용 중인 규칙 %1개</translation>
    </message>
    <message>
        <source>Line %1, column %2</source>
        <translation>%1행, %2열</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>거부됨: %1</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>검사 중…</translation>
    </message>
    <message>
        <source>No problems found: %1 rules</source>
        <translation>문제 없음: 규칙 %1개</translation>
    </message>
    <message>
        <source>Saved and applied: %1 rules in force</source>
        <translation>저장 및 적용 완료: 규칙 %1개 적용 중</translation>
    </message>
    <message>
        <source>Save the rules as</source>
        <translation>규칙을 다른 이름으로 저장</translation>
    </message>
    <message>
        <source>Rule files (*.toml)</source>
        <translation>규칙 파일 (*.toml)</translation>
    </message>
    <message>
        <source>Discard the changes you have not saved?</source>
        <translation>저장하지 않은 변경 내용을 버리시겠습니까?</translation>
    </message>
</context>
<context>
    <name>ScrubBar</name>
    <message>
        <source>−10 s</source>
        <translation>−10초</translation>
    </message>
    <message>
        <source>Go back ten seconds in the recording (Ctrl+Left)</source>
        <translation>녹화 영상에서 10초 뒤로 (Ctrl+←)</translation>
    </message>
    <message>
        <source>The highlighted camera&apos;s recording: drag back to see what happened</source>
        <translation>선택한 CCTV의 녹화 영상: 뒤로 끌어 지난 장면을 봅니다</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>재생</translation>
    </message>
    <message>
        <source>Play the recording from here (Space)</source>
        <translation>이 지점부터 녹화 영상 재생 (Space)</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <source>Back to the live picture (End)</source>
        <translation>실시간 영상으로 돌아가기 (End)</translation>
    </message>
    <message>
        <source>In</source>
        <translation>시작점</translation>
    </message>
    <message>
        <source>The clip starts here (I)</source>
        <translation>클립 시작점 지정 (I)</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>끝점</translation>
    </message>
    <message>
        <source>The clip ends here (O)</source>
        <translation>클립 끝점 지정 (O)</translation>
    </message>
    <message>
        <source>Save clip</source>
        <translation>클립 저장</translation>
    </message>
    <message>
        <source>Save the recording between the in and out points with time, camera and place burned in, linked to the selected incident</source>
        <translation>시작점과 끝점 사이의 녹화 영상을 시각·CCTV·위치를 새겨 저장하고 선택한 사건에 연결합니다</translation>
    </message>
    <message>
        <source>Blur faces and plates</source>
        <translation>얼굴·번호판 흐림 처리</translation>
    </message>
    <message>
        <source>Stills and clips are saved with faces and licence plates blurred</source>
        <translation>정지영상과 클립을 얼굴과 차량 번호판을 흐리게 처리하여 저장합니다</translation>
    </message>
    <message>
        <source>no recording yet</source>
        <translation>녹화 영상 없음</translation>
    </message>
    <message>
        <source>live · %1 recorded</source>
        <translation>실시간 · %1 녹화됨</translation>
    </message>
</context>
<context>
    <name>SensorPlotView</name>
    <message>
        <source>Follow live</source>
        <translation>실시간 따라가기</translation>
    </message>
    <message>
        <source>Keep the newest readings in view; panning or zooming by hand pauses it.</source>
        <translation>최신 측정값을 계속 화면에 표시합니다. 직접 이동하거나 확대·축소하면 일시정지됩니다.</translation>
    </message>
    <message>
        <source>10 min</source>
        <translation>10분</translation>
    </message>
    <message>
        <source>1 h</source>
        <translation>1시간</translation>
    </message>
    <message>
        <source>2 h</source>
        <translation>2시간</translation>
    </message>
    <message>
        <source>6 h</source>
        <translation>6시간</translation>
    </message>
    <message>
        <source>24 h</source>
        <translation>24시간</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>7일</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30일</translation>
    </message>
    <message>
        <source>How much recent time the live view shows</source>
        <translation>실시간 화면에 표시할 최근 시간 범위</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>일시정지</translation>
    </message>
    <message>
        <source>Move the mouse over the plot to read the values.</source>
        <translation>그래프 위에 마우스를 올리면 그 시각의 값을 볼 수 있습니다.</translation>
    </message>
    <message>
        <source>%1 more selected are not plotted (at most %2).</source>
        <translation>선택한 센서 중 %1개는 표시하지 않았습니다(최대 %2개).</translation>
    </message>
    <message>
        <source>Sensors</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Could not read the earlier readings of %1: %2</source>
        <translation>%1의 이전 측정값을 불러오지 못했습니다: %2</translation>
    </message>
</context>
<context>
    <name>SensorRegistryModel</name>
    <message>
        <source>Sensor</source>
        <translation>센서</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>District</source>
        <translation>자치구</translation>
    </message>
    <message>
        <source>Owner department</source>
        <translation>소유 부서</translation>
    </message>
    <message>
        <source>Last value</source>
        <translation>최근값</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>경보 단계</translation>
    </message>
    <message>
        <source>Data received</source>
        <translation>데이터 수신</translation>
    </message>
    <message>
        <source>Unknown sensor</source>
        <translation>알 수 없는 센서</translation>
    </message>
    <message>
        <source>no data</source>
        <translation>수신 없음</translation>
    </message>
    <message>
        <source>%1 sent readings but is not in the sensor registry.</source>
        <translation>%1에서 측정값이 들어왔지만 센서 대장에 등록되지 않은 센서입니다.</translation>
    </message>
</context>
<context>
    <name>SensorsPanel</name>
    <message>
        <source>Select sensors in the table to plot them (Ctrl or Shift to pick several).</source>
        <translation>표에서 센서를 선택하면 그래프로 표시합니다(여러 개는 Ctrl 또는 Shift).</translation>
    </message>
    <message>
        <source>Filter: sensor, kind, district, department</source>
        <translation>검색: 센서, 종류, 자치구, 부서</translation>
    </message>
    <message>
        <source>%1 of %2 sensors</source>
        <translation>센서 %2개 중 %1개</translation>
    </message>
    <message>
        <source>%1 unknown</source>
        <translation>알 수 없는 센서 %1개</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Alerts and map</source>
        <translation>경보와 지도</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>시스템 설정 따름</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Sound for new critical incidents</source>
        <translation>긴급 사건 발생 시 경보음</translation>
    </message>
    <message>
        <source> s</source>
        <translation>초</translation>
    </message>
    <message>
        <source>A critical incident nobody has acknowledged this long is escalated to the supervisor and shown in red at the top of the window.</source>
        <translation>이 시간 동안 아무도 확인하지 않은 긴급 사건은 상황실장에게 상향 보고되고 창 상단에 빨간색으로 표시됩니다.</translation>
    </message>
    <message>
        <source>Escalate unacknowledged after</source>
        <translation>미확인 사건 상향 보고 시간</translation>
    </message>
    <message>
        <source>Open the nearest cameras on the video wall when a critical incident arrives</source>
        <translation>긴급 사건이 접수되면 가장 가까운 CCTV를 영상 월에 바로 엽니다</translation>
    </message>
    <message>
        <source>An XYZ tile URL, a local folder as file:///path/{z}/{x}/{y}.png, or an MBTiles file. Empty: the vector basemap alone.</source>
        <translation>XYZ 타일 주소, file:///경로/{z}/{x}/{y}.png 형식의 로컬 폴더, 또는 MBTiles 파일. 비워 두면 벡터 배경지도만 씁니다.</translation>
    </message>
    <message>
        <source>Basemap tiles</source>
        <translation>배경지도 타일</translation>
    </message>
    <message>
        <source>A new basemap applies when Cityroom starts again.</source>
        <translation>배경지도 변경은 Cityroom을 다시 시작하면 적용됩니다.</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>작업 화면</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>어두운 테마</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>고대비</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>테마</translation>
    </message>
    <message>
        <source>Larger text for wall screens and for reading across the room.</source>
        <translation>상황판 화면과 멀리서 읽기 위한 큰 글자.</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>글자 크기</translation>
    </message>
    <message>
        <source>https://HOST:PORT — empty: work standalone</source>
        <translation>https://호스트:포트 — 비워 두면 단독으로 작업</translation>
    </message>
    <message>
        <source>The centre&apos;s operations backend this desk signs in to when Cityroom starts without --backend or --db (--standalone works alone for one run).</source>
        <translation>--backend나 --db 없이 Cityroom을 시작할 때 이 작업대가 로그인하는 센터의 운영 백엔드입니다 (--standalone을 주면 그 실행만 단독으로 작업합니다).</translation>
    </message>
    <message>
        <source>Operations backend</source>
        <translation>운영 백엔드</translation>
    </message>
    <message>
        <source>A new language or backend applies when Cityroom starts again.</source>
        <translation>새 언어나 백엔드는 Cityroom을 다시 시작하면 적용됩니다.</translation>
    </message>
    <message>
        <source>Field devices (MQTT)</source>
        <translation>현장 장치 (MQTT)</translation>
    </message>
    <message>
        <source>HOST:PORT, e.g. 10.0.0.7:1883 — empty: off</source>
        <translation>호스트:포트, 예: 10.0.0.7:1883 — 비우면 꺼짐</translation>
    </message>
    <message>
        <source>Broker</source>
        <translation>브로커</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>토픽</translation>
    </message>
    <message>
        <source>A TOML file describing other topic and payload schemes. Empty: the topic above.</source>
        <translation>다른 토픽·페이로드 형식을 설명하는 TOML 파일입니다. 비우면 위의 토픽을 사용합니다.</translation>
    </message>
    <message>
        <source>Mapping file</source>
        <translation>매핑 파일</translation>
    </message>
    <message>
        <source>Connect with TLS</source>
        <translation>TLS로 연결</translation>
    </message>
    <message>
        <source>A TOML file with username and password, readable only by you. The login is never kept in the settings; CITYROOM_MQTT_USERNAME and CITYROOM_MQTT_PASSWORD take precedence.</source>
        <translation>사용자 이름과 비밀번호가 담긴 TOML 파일로, 본인만 읽을 수 있어야 합니다. 로그인 정보는 설정에 저장되지 않으며, 환경 변수 CITYROOM_MQTT_USERNAME과 CITYROOM_MQTT_PASSWORD가 우선합니다.</translation>
    </message>
    <message>
        <source>Login file</source>
        <translation>로그인 파일</translation>
    </message>
    <message>
        <source>A new field-device feed applies when Cityroom starts again.</source>
        <translation>새 현장 장치 수신 설정은 Cityroom을 다시 시작하면 적용됩니다.</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>찾아보기…</translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation>파일 선택</translation>
    </message>
    <message>
        <source>TOML files (*.toml)</source>
        <translation>TOML 파일 (*.toml)</translation>
    </message>
</context>
<context>
    <name>SettingsFile</name>
    <message>
        <source>The settings of the earlier version were copied from the registry into %1; the registry was left as it was.</source>
        <translation>이전 버전의 설정을 레지스트리에서 %1(으)로 복사했습니다. 레지스트리는 그대로 두었습니다.</translation>
    </message>
    <message>
        <source>The settings file %1 was updated from version %2 to %3; the file as it was is kept as %4.</source>
        <translation>설정 파일 %1을(를) 버전 %2에서 %3(으)로 갱신했습니다. 원래 파일은 %4(으)로 보관했습니다.</translation>
    </message>
    <message>
        <source>The settings file %1 was written by a newer Cityroom (settings version %2; this one knows version %3). What this version understands is used; the rest is kept as it is and the file stays at version %2.</source>
        <translation>설정 파일 %1은(는) 더 새로운 Cityroom이 썼습니다 (설정 버전 %2, 이 버전은 %3까지 압니다). 이 버전이 이해하는 설정만 사용하고 나머지는 그대로 두며 파일은 버전 %2로 유지됩니다.</translation>
    </message>
    <message>
        <source>The settings file %1 is damaged (%2) and could not be moved aside (%3). Cityroom runs with the default layout and preferences; move or delete the file, then start Cityroom again.</source>
        <translation>설정 파일 %1이(가) 손상되었고(%2) 옮겨 둘 수 없었습니다(%3). 기본 배치와 환경설정으로 실행합니다. 파일을 옮기거나 지운 뒤 Cityroom을 다시 시작하십시오.</translation>
    </message>
    <message>
        <source>The settings file %1 is damaged (%2): your layout and preferences are back to the defaults; the old file is kept as %3 for support. Set your preferences again in Settings; nothing else (the event log, recordings, evidence) was affected.</source>
        <translation>설정 파일 %1이(가) 손상되었습니다(%2). 배치와 환경설정이 기본값으로 돌아갔으며, 이전 파일은 지원을 위해 %3(으)로 보관했습니다. 설정에서 환경설정을 다시 지정하십시오. 그 밖의 것(이벤트 로그, 녹화, 증거)은 영향을 받지 않았습니다.</translation>
    </message>
    <message>
        <source>it cannot be read: %1</source>
        <translation>읽을 수 없음: %1</translation>
    </message>
    <message>
        <source>it holds binary data, not settings text</source>
        <translation>설정 텍스트가 아닌 이진 데이터가 들어 있음</translation>
    </message>
    <message>
        <source>its settings version %1 is not a number</source>
        <translation>설정 버전 %1이(가) 숫자가 아님</translation>
    </message>
    <message>
        <source>a stored value cannot be read: %1</source>
        <translation>저장된 값을 읽을 수 없음: %1</translation>
    </message>
    <message>
        <source>it is not in the settings format</source>
        <translation>설정 형식이 아님</translation>
    </message>
</context>
<context>
    <name>ShiftActions</name>
    <message>
        <source>S&amp;hift</source>
        <translation>근무(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Workload dashboard…</source>
        <translation>업무량 현황(&amp;W)…</translation>
    </message>
    <message>
        <source>Shift &amp;hand-over report…</source>
        <translation>근무 인수인계 보고서(&amp;H)…</translation>
    </message>
</context>
<context>
    <name>ShortcutOverlay</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>단축키</translation>
    </message>
    <message>
        <source>Type to filter. Enter or a click runs the shortcut; Esc or F1 closes.</source>
        <translation>입력하면 걸러집니다. Enter나 클릭으로 실행하고, Esc나 F1로 닫습니다.</translation>
    </message>
    <message>
        <source>Filter by action, menu or key</source>
        <translation>동작, 메뉴 또는 키로 거르기</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>키</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>동작</translation>
    </message>
    <message>
        <source>Works</source>
        <translation>동작 위치</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>단축키(&amp;K)</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>창</translation>
    </message>
    <message>
        <source>when the panel has the focus</source>
        <translation>패널에 포커스가 있을 때</translation>
    </message>
    <message>
        <source>when its control has the focus</source>
        <translation>해당 컨트롤에 포커스가 있을 때</translation>
    </message>
    <message>
        <source>⚠ Keys given to two actions at once (neither runs): %1</source>
        <translation>⚠ 두 동작에 함께 지정된 키 (어느 쪽도 실행되지 않음): %1</translation>
    </message>
    <message>
        <source>(no description)</source>
        <translation>(설명 없음)</translation>
    </message>
    <message>
        <source>%1 (not available now)</source>
        <translation>%1 (지금은 사용할 수 없음)</translation>
    </message>
    <message>
        <source>Press these keys there; the list cannot run them.</source>
        <translation>해당 위치에서 이 키를 누르십시오. 목록에서는 실행할 수 없습니다.</translation>
    </message>
    <message>
        <source>These keys also run: %1</source>
        <translation>이 키로도 실행: %1</translation>
    </message>
</context>
<context>
    <name>SituationRules</name>
    <message>
        <source>File refused, running the shipped rules: %1</source>
        <translation>파일이 거부되어 기본 제공 규칙으로 실행합니다: %1</translation>
    </message>
    <message>
        <source>Not running: %1</source>
        <translation>실행되지 않음: %1</translation>
    </message>
    <message>
        <source>Saved and applied: %1 rules in force.</source>
        <translation>저장 및 적용 완료: 규칙 %1개 적용 중.</translation>
    </message>
    <message>
        <source>Reloaded: %1 rules in force.</source>
        <translation>다시 읽음: 규칙 %1개 적용 중.</translation>
    </message>
    <message>
        <source>File refused, the previous rules stay in force: %1</source>
        <translation>파일이 거부되어 이전 규칙을 계속 적용합니다: %1</translation>
    </message>
    <message>
        <source>Situation rules</source>
        <translation>상황 규칙</translation>
    </message>
</context>
<context>
    <name>SituationSection</name>
    <message>
        <source>Situation</source>
        <translation>상황 감지</translation>
    </message>
    <message>
        <source>The rules&apos; evidence could not be read: %1</source>
        <translation>상황 규칙의 근거를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Sensor reading</source>
        <translation>센서 측정값</translation>
    </message>
</context>
<context>
    <name>SkipDialog</name>
    <message>
        <source>Skip a mandatory step</source>
        <translation>필수 단계 건너뛰기</translation>
    </message>
    <message>
        <source>This step is mandatory: the reason is kept in the log.</source>
        <translation>필수 단계입니다. 건너뛰는 사유는 기록에 남습니다.</translation>
    </message>
    <message>
        <source>Required: why is it skipped?</source>
        <translation>필수: 건너뛰는 사유</translation>
    </message>
</context>
<context>
    <name>StartProcedureDialog</name>
    <message>
        <source>Start a procedure</source>
        <translation>대응 절차 시작</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>절차</translation>
    </message>
    <message>
        <source>Required: why change the procedure?</source>
        <translation>필수: 절차를 바꾸는 사유</translation>
    </message>
    <message>
        <source>It follows %1 now.</source>
        <translation>현재 적용 중인 절차: %1</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>사유</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Per-minute summaries are kept %1 days but raw readings %2; keeping both %2 days.</source>
        <translation>분 단위 요약은 %1일, 원시 측정값은 %2일로 설정되어 있어 둘 다 %2일 보관합니다.</translation>
    </message>
    <message>
        <source>The file was not changed. Start a new event log elsewhere?</source>
        <translation>파일은 변경되지 않았습니다. 다른 위치에 새 이벤트 로그를 시작할까요?</translation>
    </message>
    <message>
        <source>Start a new log…</source>
        <translation>새 로그 시작…</translation>
    </message>
    <message>
        <source>New event log</source>
        <translation>새 이벤트 로그</translation>
    </message>
    <message>
        <source>Working offline on this workstation&apos;s copy of the log; commands are saved and sent when %1 can be reached.</source>
        <translation>이 단말의 로그 사본으로 오프라인 작업 중입니다. 명령은 저장되었다가 %1에 연결되면 전송됩니다.</translation>
    </message>
    <message>
        <source>%1; using the default.</source>
        <translation>%1. 기본값을 사용합니다.</translation>
    </message>
    <message>
        <source>The field-device broker %1 in the settings is not used on the operations backend: the server takes in the field devices&apos; readings.</source>
        <translation>설정의 현장 장치 브로커 %1은(는) 운영 백엔드 연결 시 사용하지 않습니다: 서버가 현장 장치의 측정값을 받습니다.</translation>
    </message>
</context>
<context>
    <name>StepActions</name>
    <message>
        <source>There is no video wall in this workstation.</source>
        <translation>이 워크스테이션에는 영상 월이 없습니다.</translation>
    </message>
    <message>
        <source>There is no situation map in this workstation.</source>
        <translation>이 워크스테이션에는 상황 지도가 없습니다.</translation>
    </message>
    <message>
        <source>There is no link with agencies in this workstation.</source>
        <translation>이 단말에는 기관 연계가 없습니다.</translation>
    </message>
    <message>
        <source>Asked the video wall for the %1 nearest cameras.</source>
        <translation>영상 월에 가장 가까운 CCTV %1대를 요청했습니다.</translation>
    </message>
    <message>
        <source>Asked the video wall for a still of the highlighted tile.</source>
        <translation>영상 월에 선택된 화면의 정지영상을 요청했습니다.</translation>
    </message>
    <message>
        <source>Asked the map for the nearest %1.</source>
        <translation>지도에 가장 가까운 %1 표시를 요청했습니다.</translation>
    </message>
    <message>
        <source>Notify</source>
        <translation>통보</translation>
    </message>
    <message>
        <source>Has %1 been notified? The step “%2” is then marked done.</source>
        <translation>%1에 통보했습니까? 확인하면 ‘%2’ 단계가 완료 처리됩니다.</translation>
    </message>
</context>
<context>
    <name>StepRow</name>
    <message>
        <source>Look at: %1</source>
        <translation>확인 사항: %1</translation>
    </message>
    <message>
        <source>Not on the path the answers took</source>
        <translation>선택한 답변 경로에 없는 단계</translation>
    </message>
    <message>
        <source>mandatory</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>Done %1 by %2</source>
        <translation>%1 %2 완료</translation>
    </message>
    <message>
        <source>Skipped %1 by %2</source>
        <translation>%1 %2 건너뜀</translation>
    </message>
    <message>
        <source>reason: %1</source>
        <translation>사유: %1</translation>
    </message>
    <message>
        <source>Overdue by %1 (due %2)</source>
        <translation>%1 지연 (기한 %2)</translation>
    </message>
    <message>
        <source>Due in %1</source>
        <translation>기한까지 %1</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Skip…</source>
        <translation>건너뛰기…</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>건너뛰기</translation>
    </message>
    <message>
        <source>Open %1 cameras</source>
        <translation>CCTV %1대 열기</translation>
    </message>
    <message>
        <source>Save a still</source>
        <translation>정지영상 저장</translation>
    </message>
    <message>
        <source>Nearest %1 (%2)</source>
        <translation>가까운 %1 (%2곳)</translation>
    </message>
    <message>
        <source>Packet to %1…</source>
        <translation>%1에 전송…</translation>
    </message>
    <message>
        <source>Notify %1…</source>
        <translation>%1에 통보…</translation>
    </message>
    <message>
        <source>Start timer: %1</source>
        <translation>타이머 시작: %1</translation>
    </message>
</context>
<context>
    <name>TimelineView</name>
    <message>
        <source>Indexing… %1 %</source>
        <translation>색인 중… %1 %</translation>
    </message>
    <message>
        <source>Annotation at %1</source>
        <translation>%1 시점의 메모</translation>
    </message>
    <message>
        <source>Bookmark at %1</source>
        <translation>%1 시점의 책갈피</translation>
    </message>
    <message>
        <source>About %1</source>
        <translation>사건 %1 관련</translation>
    </message>
    <message>
        <source>By %1, recorded %2</source>
        <translation>작성 %1, 기록 %2</translation>
    </message>
    <message>
        <source>severity %1</source>
        <translation>심각도 %1</translation>
    </message>
    <message>
        <source>exercise</source>
        <translation>훈련</translation>
    </message>
    <message>
        <source>still open</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>Click to select it</source>
        <translation>누르면 이 사건을 선택합니다</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>… 외 %1건</translation>
    </message>
</context>
<context>
    <name>TimerChip</name>
    <message>
        <source>not started</source>
        <translation>시작 전</translation>
    </message>
    <message>
        <source>running</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <source>running, close to the golden time</source>
        <translation>진행 중, 골든타임 임박</translation>
    </message>
    <message>
        <source>running, past the golden time</source>
        <translation>진행 중, 골든타임 초과</translation>
    </message>
    <message>
        <source>met the golden time</source>
        <translation>골든타임 내 달성</translation>
    </message>
    <message>
        <source>missed the golden time</source>
        <translation>골든타임 초과 후 달성</translation>
    </message>
    <message>
        <source>%1: golden time %2, %3</source>
        <translation>%1: 골든타임 %2, %3</translation>
    </message>
</context>
<context>
    <name>TransportBar</name>
    <message>
        <source>Previous event of the chosen kind</source>
        <translation>선택한 종류의 이전 이벤트</translation>
    </message>
    <message>
        <source>Step back 10 s</source>
        <translation>10초 뒤로</translation>
    </message>
    <message>
        <source>Play / pause</source>
        <translation>재생 / 일시정지</translation>
    </message>
    <message>
        <source>Step forward 10 s</source>
        <translation>10초 앞으로</translation>
    </message>
    <message>
        <source>Next event of the chosen kind</source>
        <translation>선택한 종류의 다음 이벤트</translation>
    </message>
    <message>
        <source>Playback speed (faster %1, slower %2)</source>
        <translation>재생 속도 (빠르게 %1, 느리게 %2)</translation>
    </message>
    <message>
        <source>Any event</source>
        <translation>모든 이벤트</translation>
    </message>
    <message>
        <source>What the previous and next buttons jump between</source>
        <translation>이전/다음 버튼으로 건너뛸 이벤트 종류</translation>
    </message>
    <message>
        <source>The instant shown (local time). Type HH:MM:SS or YYYY-MM-DD HH:MM:SS and Enter to go there.</source>
        <translation>보고 있는 시점(현지 시각). HH:MM:SS 또는 YYYY-MM-DD HH:MM:SS를 입력하고 Enter를 누르면 그 시점으로 이동합니다.</translation>
    </message>
    <message>
        <source>Bookmark…</source>
        <translation>책갈피…</translation>
    </message>
    <message>
        <source>Bookmark the instant shown</source>
        <translation>보고 있는 시점에 책갈피를 답니다</translation>
    </message>
    <message>
        <source>Annotate…</source>
        <translation>메모…</translation>
    </message>
    <message>
        <source>Write a note about the instant shown</source>
        <translation>보고 있는 시점에 대한 메모를 씁니다</translation>
    </message>
    <message>
        <source>Whole window</source>
        <translation>전체 구간</translation>
    </message>
    <message>
        <source>Show the whole replay window (the wheel zooms, Shift+drag pans)</source>
        <translation>다시보기 구간 전체를 봅니다 (휠로 확대·축소, Shift+끌기로 이동)</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>실시간으로 돌아가기</translation>
    </message>
    <message>
        <source>Show the live city again</source>
        <translation>실시간 도시 상황을 다시 봅니다</translation>
    </message>
    <message>
        <source>Indexing… %1 %</source>
        <translation>색인 중… %1 %</translation>
    </message>
    <message>
        <source>%1 is outside the replay window (%2 – %3): shown at its edge.</source>
        <translation>%1은(는) 다시보기 구간(%2 – %3) 밖이므로 구간 끝 시점을 보여 줍니다.</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>No recording at %1</source>
        <translation>%1에 녹화된 영상 없음</translation>
    </message>
    <message>
        <source>Nearest recording: %1</source>
        <translation>가장 가까운 녹화: %1</translation>
    </message>
    <message>
        <source>REPLAY</source>
        <translation>다시보기</translation>
    </message>
    <message>
        <source>recorded, %1 behind live</source>
        <translation>녹화 영상, 실시간보다 %1 전</translation>
    </message>
    <message>
        <source>Drag over the area to mask</source>
        <translation>가릴 영역을 끌어서 지정하십시오</translation>
    </message>
</context>
<context>
    <name>VideoWallPanel</name>
    <message>
        <source>%1 tiles</source>
        <translation>%1분할</translation>
    </message>
    <message>
        <source>Nearest to incident</source>
        <translation>사건 주변 CCTV 보기</translation>
    </message>
    <message>
        <source>Fill the wall with the cameras nearest the selected incident</source>
        <translation>선택한 사건에서 가장 가까운 CCTV로 화면을 채웁니다</translation>
    </message>
    <message>
        <source>Still</source>
        <translation>정지영상</translation>
    </message>
    <message>
        <source>Save the highlighted tile&apos;s picture with time, camera and place burned in, linked to the selected incident (Ctrl+T)</source>
        <translation>선택한 화면을 시각·CCTV·위치를 새겨 저장하고 선택한 사건에 연결합니다 (Ctrl+T)</translation>
    </message>
    <message>
        <source>Close tile</source>
        <translation>화면 닫기</translation>
    </message>
    <message>
        <source>Layouts</source>
        <translation>레이아웃</translation>
    </message>
    <message>
        <source>Save the wall as a named layout, or restore one</source>
        <translation>현재 화면 배치를 이름을 붙여 저장하거나 저장된 배치를 불러옵니다</translation>
    </message>
    <message>
        <source>Tour</source>
        <translation>순환</translation>
    </message>
    <message>
        <source>Cycle the listed cameras a wall-full at a time (the arrow sets how often)</source>
        <translation>목록의 CCTV를 한 화면씩 순환 표시합니다 (화살표로 간격 설정)</translation>
    </message>
    <message>
        <source>Every %1 s</source>
        <translation>%1초마다</translation>
    </message>
    <message>
        <source>Find a camera</source>
        <translation>CCTV 찾기</translation>
    </message>
    <message>
        <source>%1 has no clips in this review.</source>
        <translation>%1은(는) 이 검토 번들에 영상 클립이 없습니다.</translation>
    </message>
    <message>
        <source>Select an incident first.</source>
        <translation>먼저 사건을 선택하십시오.</translation>
    </message>
    <message>
        <source>No camera within %1 m of %2.</source>
        <translation>%2 반경 %1 m 안에 CCTV가 없습니다.</translation>
    </message>
    <message>
        <source>Cameras nearest %1</source>
        <translation>%1 주변 CCTV</translation>
    </message>
    <message>
        <source>Select %1 to take a still for it.</source>
        <translation>정지영상을 남기려면 먼저 %1을(를) 선택하십시오.</translation>
    </message>
    <message>
        <source>The highlighted tile shows no camera picture.</source>
        <translation>선택한 화면에 CCTV 영상이 없습니다.</translation>
    </message>
    <message>
        <source>Still saved: %1</source>
        <translation>정지영상 저장: %1</translation>
    </message>
    <message>
        <source>The still was not saved: %1</source>
        <translation>정지영상을 저장하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Saving the clip of %1…</source>
        <translation>%1 클립 저장 중…</translation>
    </message>
    <message>
        <source>Clip saved (%1 frames): %2</source>
        <translation>클립 저장 (%1프레임): %2</translation>
    </message>
    <message>
        <source>The clip was not saved: %1</source>
        <translation>클립을 저장하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>시작 %1</translation>
    </message>
    <message>
        <source>out %1</source>
        <translation>끝 %1</translation>
    </message>
    <message>
        <source>Clip: %1</source>
        <translation>클립: %1</translation>
    </message>
    <message>
        <source>Mark the clip&apos;s in and out points on a camera first (I and O).</source>
        <translation>먼저 CCTV 화면에서 클립의 시작점과 끝점을 지정하십시오 (I, O).</translation>
    </message>
    <message>
        <source>Privacy masks need a city camera and a readable mask file.</source>
        <translation>프라이버시 마스크는 도시 CCTV와 읽을 수 있는 마스크 파일이 있어야 합니다.</translation>
    </message>
    <message>
        <source>Drag over the part of %1 that must never be shown.</source>
        <translation>%1에서 절대 보여서는 안 되는 부분을 끌어서 지정하십시오.</translation>
    </message>
    <message>
        <source>The masks were not saved: %1</source>
        <translation>마스크를 저장하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>%1 has %2 privacy masks.</source>
        <translation>%1의 프라이버시 마스크: %2개</translation>
    </message>
    <message>
        <source>%1: open the nearest cameras</source>
        <translation>%1: 주변 CCTV 열기</translation>
    </message>
    <message>
        <source>Layout saved: %1</source>
        <translation>레이아웃 저장됨: %1</translation>
    </message>
    <message>
        <source>There is no saved layout called %1.</source>
        <translation>%1(이)라는 저장된 레이아웃이 없습니다.</translation>
    </message>
    <message>
        <source>Layout %1</source>
        <translation>레이아웃 %1</translation>
    </message>
    <message>
        <source>cameras no longer in the city: %1</source>
        <translation>더 이상 없는 CCTV: %1</translation>
    </message>
    <message>
        <source>Save this layout as…</source>
        <translation>현재 레이아웃을 다른 이름으로 저장…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Save layout</source>
        <translation>레이아웃 저장</translation>
    </message>
    <message>
        <source>Layout name:</source>
        <translation>레이아웃 이름:</translation>
    </message>
    <message>
        <source>Layout deleted: %1</source>
        <translation>레이아웃 삭제됨: %1</translation>
    </message>
    <message>
        <source>Tour stopped.</source>
        <translation>순환 표시를 멈췄습니다.</translation>
    </message>
    <message>
        <source>No cameras listed to tour: clear or change the filter.</source>
        <translation>순환할 CCTV가 목록에 없습니다. 검색어를 지우거나 바꾸십시오.</translation>
    </message>
    <message>
        <source>Tour: page %1 of %2</source>
        <translation>순환: %2쪽 중 %1쪽</translation>
    </message>
    <message>
        <source>The highlighted tile shows no camera.</source>
        <translation>선택한 화면에 CCTV가 없습니다.</translation>
    </message>
    <message>
        <source>Pop out to a window</source>
        <translation>별도 창으로 띄우기</translation>
    </message>
    <message>
        <source>Full screen (F11)</source>
        <translation>전체 화면 (F11)</translation>
    </message>
    <message>
        <source>Enlarge in the wall (Enter)</source>
        <translation>화면 안에서 크게 보기 (Enter)</translation>
    </message>
    <message>
        <source>Still (Ctrl+T)</source>
        <translation>정지영상 (Ctrl+T)</translation>
    </message>
    <message>
        <source>Close tile (Del)</source>
        <translation>화면 닫기 (Del)</translation>
    </message>
    <message>
        <source>Draw a privacy mask</source>
        <translation>프라이버시 마스크 그리기</translation>
    </message>
    <message>
        <source>Remove this camera&apos;s privacy masks</source>
        <translation>이 CCTV의 프라이버시 마스크 모두 제거</translation>
    </message>
    <message>
        <source>An offline review shows the bundle&apos;s recorded clips only.</source>
        <translation>오프라인 검토에서는 번들에 담긴 녹화 클립만 볼 수 있습니다.</translation>
    </message>
    <message>
        <source>Replay shows the past: press F8 to go back to live to act.</source>
        <translation>다시보기는 지난 상황을 보여 줍니다. 조치하려면 F8을 눌러 실시간으로 돌아가십시오.</translation>
    </message>
    <message>
        <source>Looking for the bundle&apos;s video clips…</source>
        <translation>번들의 영상 클립을 찾는 중…</translation>
    </message>
    <message>
        <source>The bundle&apos;s clips cannot be read: %1</source>
        <translation>번들의 영상 클립을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>This bundle has no video clips.</source>
        <translation>이 번들에는 영상 클립이 없습니다.</translation>
    </message>
    <message>
        <source>Offline review: clips of %1 cameras.</source>
        <translation>오프라인 검토: 카메라 %1대의 영상 클립</translation>
    </message>
</context>
<context>
    <name>WallKeys</name>
    <message>
        <source>Highlight the tile to the left</source>
        <translation>왼쪽 타일 선택</translation>
    </message>
    <message>
        <source>Highlight the tile to the right</source>
        <translation>오른쪽 타일 선택</translation>
    </message>
    <message>
        <source>Highlight the tile above</source>
        <translation>위쪽 타일 선택</translation>
    </message>
    <message>
        <source>Highlight the tile below</source>
        <translation>아래쪽 타일 선택</translation>
    </message>
    <message>
        <source>Enlarge the highlighted tile, or back to the whole wall</source>
        <translation>선택한 타일 확대, 또는 전체 월로 돌아가기</translation>
    </message>
    <message>
        <source>Back to the whole wall</source>
        <translation>전체 월로 돌아가기</translation>
    </message>
    <message>
        <source>Close the highlighted tile</source>
        <translation>선택한 타일 닫기</translation>
    </message>
    <message>
        <source>Highlighted camera full screen</source>
        <translation>선택한 카메라 전체 화면</translation>
    </message>
    <message>
        <source>Back 10 s in the highlighted camera&apos;s recording</source>
        <translation>선택한 카메라 녹화에서 10초 뒤로</translation>
    </message>
    <message>
        <source>Forward 10 s in the highlighted camera&apos;s recording</source>
        <translation>선택한 카메라 녹화에서 10초 앞으로</translation>
    </message>
    <message>
        <source>Play or pause the highlighted camera&apos;s recording</source>
        <translation>선택한 카메라 녹화 재생 또는 일시 정지</translation>
    </message>
    <message>
        <source>Back to the live picture</source>
        <translation>실시간 영상으로 돌아가기</translation>
    </message>
    <message>
        <source>Clip starts here (in)</source>
        <translation>클립 시작 지점 (시작)</translation>
    </message>
    <message>
        <source>Clip ends here (out)</source>
        <translation>클립 끝 지점 (끝)</translation>
    </message>
    <message>
        <source>in a camera&apos;s own window</source>
        <translation>카메라 개별 창에서</translation>
    </message>
</context>
<context>
    <name>WorkloadDialog</name>
    <message>
        <source>Operator workload</source>
        <translation>상황요원 업무량</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>기간:</translation>
    </message>
    <message>
        <source>This shift</source>
        <translation>현재 근무조</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>최근 24시간</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>최근 7일</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>새로 고침(&amp;R)</translation>
    </message>
    <message>
        <source>By operator</source>
        <translation>요원별</translation>
    </message>
    <message>
        <source>By shift</source>
        <translation>근무조별</translation>
    </message>
    <message>
        <source>Times run from the report to the first acknowledgement, the first camera view and the first dispatch or packet, and count for whoever did it, in the shift it happened. Merged duplicates are left out.</source>
        <translation>소요 시간은 사건 접수부터 첫 확인, 첫 영상 열람, 첫 출동 또는 전파까지이며, 그 조치를 한 요원과 조치 시점의 근무조에 집계합니다. 병합된 중복 사건은 제외합니다.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>닫기</translation>
    </message>
    <message>
        <source>Workload figures need a copy of the event log on this workstation, and this backend keeps none here. Open the log file itself (python main.py --db FILE).</source>
        <translation>업무량 집계에는 이 단말의 이벤트 로그 사본이 필요한데, 이 백엔드는 여기에 사본을 두지 않습니다. 로그 파일을 직접 여십시오 (python main.py --db FILE).</translation>
    </message>
    <message>
        <source>Computing the figures from %1 to %2…</source>
        <translation>%1부터 %2까지 집계 중…</translation>
    </message>
    <message>
        <source>From %1 to %2 (%3): %4 operator(s), %5 shift(s).</source>
        <translation>%1 ~ %2 (%3): 요원 %4명, 근무조 %5개.</translation>
    </message>
    <message>
        <source>In total: %1 incident(s) reported, %2 handled, %3 resolved; %4 still unacknowledged at the end; %5 merged duplicate(s) left out. Acknowledged in %6 (median), %7 (90th percentile).</source>
        <translation>전체: 접수 %1건, 처리 %2건, 해결 %3건, 기간 종료 시점 미확인 %4건, 제외한 병합 중복 %5건. 확인 소요 시간 중앙값 %6, 90백분위 %7.</translation>
    </message>
    <message>
        <source>The figures could not be computed: %1</source>
        <translation>집계하지 못했습니다: %1</translation>
    </message>
</context>
<context>
    <name>WorkloadTableModel</name>
    <message>
        <source>Shift</source>
        <translation>근무조</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>상황요원</translation>
    </message>
    <message>
        <source>Reported</source>
        <translation>접수</translation>
    </message>
    <message>
        <source>Left
unacknowledged</source>
        <translation>미확인
인계</translation>
    </message>
    <message>
        <source>Handled</source>
        <translation>처리</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>해결</translation>
    </message>
    <message>
        <source>Acknowledge
median</source>
        <translation>확인 소요
중앙값</translation>
    </message>
    <message>
        <source>Acknowledge
90th pct.</source>
        <translation>확인 소요
90백분위</translation>
    </message>
    <message>
        <source>First video
median</source>
        <translation>첫 영상
중앙값</translation>
    </message>
    <message>
        <source>First video
90th pct.</source>
        <translation>첫 영상
90백분위</translation>
    </message>
    <message>
        <source>First packet
median</source>
        <translation>첫 전파
중앙값</translation>
    </message>
    <message>
        <source>First packet
90th pct.</source>
        <translation>첫 전파
90백분위</translation>
    </message>
    <message>
        <source>Steps
skipped</source>
        <translation>건너뛴
단계</translation>
    </message>
    <message>
        <source>Mandatory
share</source>
        <translation>필수 단계
비율</translation>
    </message>
    <message>
        <source>Escalations</source>
        <translation>상향 보고</translation>
    </message>
</context>
</TS>
