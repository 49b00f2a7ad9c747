; Inno Setup 6 script: the Windows installer of Cityroom, made from the one-folder build of
; packaging/cityroom.spec (dist\cityroom\). packaging/windows/build.ps1 runs it:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\cityroom /DOutputDir=..\..\dist cityroom.iss
; It installs for all users under Program Files, adds Start-menu entries for the workstation and
; for a command prompt with cityroom-cli on its PATH, and leaves each user's data (event logs,
; recordings, settings, logs under %LOCALAPPDATA%\Cityroom and %APPDATA%\Cityroom) on uninstall.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z cityroom.iss
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\cityroom"
#endif
#ifndef IconFile
  ; written by packaging/cityroom.spec from resources/icons/cityroom.svg
  #define IconFile "..\..\build\cityroom\cityroom.ico"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; A fixed id: a newer installer upgrades the installed Cityroom in place.
AppId={{6F1D2A7C-3B7E-4C55-9A0E-5C1E7D0B2F41}
AppName=Cityroom
AppVersion={#AppVersion}
AppVerName=Cityroom {#AppVersion}
AppPublisher=Cityroom team
DefaultDirName={autopf}\Cityroom
DefaultGroupName=Cityroom
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
OutputDir={#OutputDir}
OutputBaseFilename=cityroom-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\cityroom.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Windows 10 1809 or newer: what Qt 6 supports.
MinVersion=10.0.17763

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "korean"; MessagesFile: "compiler:Languages\Korean.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Cityroom"; Filename: "{app}\cityroom.exe"
Name: "{group}\Cityroom command prompt"; Filename: "{cmd}"; Parameters: "/k ""set PATH={app};%PATH% && cityroom-cli --help"""; WorkingDir: "{userdocs}"
Name: "{autodesktop}\Cityroom"; Filename: "{app}\cityroom.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\cityroom.exe"; Description: "{cm:LaunchProgram,Cityroom}"; Flags: nowait postinstall skipifsilent
