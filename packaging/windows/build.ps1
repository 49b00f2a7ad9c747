# Build the Windows installer of Cityroom on a Windows 10/11 x64 machine with Python 3.11 and
# Inno Setup 6 (choco install innosetup, or the installer from jrsoftware.org). From the
# repository root:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Makes dist\cityroom\ (the one-folder app, from packaging\cityroom.spec, the same spec as the
# Linux build), checks that the frozen app starts and renders offscreen, and makes
# dist\cityroom-VERSION-windows-x64-setup.exe.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
.venv\Scripts\python -m pip install --disable-pip-version-check -q -e ".[package]"
if ($LASTEXITCODE) { throw "pip install failed" }
.venv\Scripts\pyside6-lrelease -silent resources\i18n\cityroom_ko.ts -qm resources\i18n\cityroom_ko.qm
if ($LASTEXITCODE) { throw "pyside6-lrelease failed" }

.venv\Scripts\python -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging\cityroom.spec
if ($LASTEXITCODE) { throw "PyInstaller failed on packaging\cityroom.spec (its messages are above)" }

# The same check as the Linux frozen-app test: a log from the bundle's own simulator, then the
# window offscreen with a screenshot.
$env:QT_QPA_PLATFORM = "offscreen"
$log = Join-Path $env:TEMP "cityroom-package-check.db"
Remove-Item $log -ErrorAction SilentlyContinue
dist\cityroom\cityroom-cli.exe simulate --db $log --speed max --duration 600
if ($LASTEXITCODE) { throw "the frozen app could not run its simulator" }
dist\cityroom\cityroom-cli.exe log verify --db $log
if ($LASTEXITCODE) { throw "the frozen app could not verify its log" }
$shot = Join-Path $PWD "dist\cityroom-windows.png"
$window = Start-Process dist\cityroom\cityroom.exe -PassThru -Wait -ArgumentList @(
    "--db", $log, "--no-simulator", "--language", "en", "--screenshot", $shot, "--quit-after", "10")
if ($window.ExitCode -ne 0 -or -not (Test-Path $shot)) { throw "the frozen window did not render" }
Remove-Item Env:QT_QPA_PLATFORM

$version = (.venv\Scripts\python -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])").Trim()
$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 is not installed: choco install innosetup" }
& $iscc /Q "/DAppVersion=$version" packaging\windows\cityroom.iss
if ($LASTEXITCODE) { throw "Inno Setup failed on packaging\windows\cityroom.iss" }
Write-Output "package: dist\cityroom-$version-windows-x64-setup.exe"
