<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
    <context>
        <name>CanvasSaliencyToggle</name>
        <message>
            <location filename="../../gui/why/toggle.py" line="89" />
            <source>Where it looks</source>
            <translation>Wohin es schaut</translation>
        </message>
        <message>
            <location filename="../../gui/why/toggle.py" line="92" />
            <source>Where it looks: colour the drawing by how much each part pushes the answer (red: towards it, blue: away from it)</source>
            <translation>Wohin es schaut: die Zeichnung danach einfärben, wie stark jeder Teil die Antwort beeinflusst (rot: spricht für die Antwort, blau: dagegen)</translation>
        </message>
    </context>
    <context>
        <name>Classroom</name>
        <message>
            <location filename="../../gui/classroom/panel.py" line="426" />
            <source>1 drawing. Drawings stay on this computer.</source>
            <translation>1 Zeichnung. Zeichnungen bleiben auf diesem Computer.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="119" />
            <source>After: taught our handwriting</source>
            <translation>Nachher: mit unserer Handschrift trainiert</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="414" />
            <source>An anonymous number per pupil: some of each pupil's drawings are kept aside to check the network</source>
            <translation>Eine anonyme Nummer pro Schülerin oder Schüler: Von allen werden einige Zeichnungen zurückgehalten, um das Netz damit zu prüfen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="118" />
            <source>Before: the network as it was</source>
            <translation>Vorher: das Netz, wie es war</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="434" />
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="275" />
            <source>Cannot export the class set</source>
            <translation>Klassensatz kann nicht exportiert werden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="264" />
            <source>Cannot import the class set</source>
            <translation>Klassensatz kann nicht importiert werden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="228" />
            <source>Cannot save the drawing</source>
            <translation>Zeichnung kann nicht gespeichert werden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="252" />
            <source>Cannot undo</source>
            <translation>Rückgängig machen nicht möglich</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="356" />
            <source>Cannot use the taught network</source>
            <translation>Das trainierte Netz kann nicht verwendet werden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="320" />
            <source>Cannot wipe the class set</source>
            <translation>Klassensatz kann nicht gelöscht werden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/__init__.py" line="55" />
            <source>Class</source>
            <translation>Klasse</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="201" />
            <source>Class set</source>
            <translation>Klassensatz</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="281" />
            <source>Class set (*.npz)</source>
            <translation>Klassensatz (*.npz)</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="299" />
            <source>Delete all {n} drawings of the class set from this computer? This cannot be undone.</source>
            <translation>Alle {n} Zeichnungen des Klassensatzes von diesem Computer löschen? Das lässt sich nicht rückgängig machen.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="303" />
            <source>Delete the one drawing of the class set from this computer? This cannot be undone.</source>
            <translation>Die eine Zeichnung des Klassensatzes von diesem Computer löschen? Das lässt sich nicht rückgängig machen.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="376" />
            <source>Done: {before:.0%} of the held-out drawings read right before, {after:.0%} after.</source>
            <translation>Fertig: Von den zurückgehaltenen Zeichnungen wurden vorher {before:.0%} richtig gelesen, nachher {after:.0%}.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="334" />
            <source>Draw at least {n} digits first.</source>
            <translation>Zeichnet zuerst mindestens {n} Ziffern.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="337" />
            <source>Draw some more digits: some are kept aside to check the network.</source>
            <translation>Zeichnet noch ein paar Ziffern: Einige werden zurückgehalten, um das Netz zu prüfen.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="221" />
            <source>Draw the digit first.</source>
            <translation>Zeichne zuerst die Ziffer.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="438" />
            <source>Draw with the mouse, a pen or a finger, then press Save</source>
            <translation>Zeichne mit der Maus, einem Stift oder dem Finger und tippe dann auf Speichern</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="419" />
            <source>Drawings per digit:</source>
            <translation>Zeichnungen pro Ziffer:</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="286" />
            <source>Export class set</source>
            <translation>Klassensatz exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/__init__.py" line="45" />
            <source>Export class set…</source>
            <translation>Klassensatz exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="277" />
            <source>Exported {n} drawings to {name}.</source>
            <translation>{n} Zeichnungen nach {name} exportiert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="281" />
            <source>Import class set</source>
            <translation>Klassensatz importieren</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/__init__.py" line="37" />
            <source>Import class set…</source>
            <translation>Klassensatz importieren…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="266" />
            <source>Imported {n} drawings from {name}.</source>
            <translation>{n} Zeichnungen aus {name} importiert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="39" />
            <source>Loading MNIST…</source>
            <translation>MNIST wird geladen…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="136" />
            <source>MNIST test digits: {before:.2%} before, {after:.2%} after ({n} digits); took {s:.0f} s.</source>
            <translation>MNIST-Testziffern: vorher {before:.2%}, nachher {after:.2%} ({n} Ziffern); Dauer {s:.0f} s.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="411" />
            <source>Please draw a {d}</source>
            <translation>Bitte zeichne eine {d}</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="412" />
            <source>Pupil number (optional):</source>
            <translation>Schülernummer (freiwillig):</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="40" />
            <source>Reading the held-out drawings…</source>
            <translation>Die zurückgehaltenen Zeichnungen werden gelesen…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="255" />
            <source>Removed the last drawing (a {d}).</source>
            <translation>Letzte Zeichnung (eine {d}) entfernt.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="120" />
            <source>Rows: the digit drawn; columns: the network's answer. Green: read right.</source>
            <translation>Zeilen: die gezeichnete Ziffer; Spalten: die Antwort des Netzes. Grün: richtig gelesen.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="416" />
            <source>Save</source>
            <translation>Speichern</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="230" />
            <source>Saved a {d}.</source>
            <translation>Eine {d} gespeichert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="417" />
            <source>Skip</source>
            <translation>Überspringen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="147" />
            <source>Teach the network first.</source>
            <translation>Trainiert zuerst das Netz.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="433" />
            <source>Teach the network our handwriting</source>
            <translation>Dem Netz unsere Handschrift beibringen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="123" />
            <source>Teach the network to see how it reads the class's held-out drawings.</source>
            <translation>Bringt dem Netz eure Handschrift bei, um zu sehen, wie es die zurückgehaltenen Zeichnungen der Klasse liest.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="190" />
            <source>Teaching cancelled; the network in use stays.</source>
            <translation>Training abgebrochen; das bisherige Netz bleibt in Gebrauch.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="189" />
            <source>Teaching failed</source>
            <translation>Training fehlgeschlagen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="349" />
            <source>Teaching…</source>
            <translation>Das Netz lernt…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="42" />
            <source>Testing…</source>
            <translation>Test läuft…</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="324" />
            <source>The class set was wiped.</source>
            <translation>Der Klassensatz wurde gelöscht.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="358" />
            <source>The explorer now uses the network taught our handwriting.</source>
            <translation>Der Explorer verwendet jetzt das Netz, das unsere Handschrift gelernt hat.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="110" />
            <source>The network in use cannot be taught (it has no NumPy form: open a .npz model).</source>
            <translation>Das verwendete Netz kann nicht trainiert werden (es hat keine NumPy-Form: öffne ein .npz-Modell).</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="107" />
            <source>The network is being taught already.</source>
            <translation>Das Netz wird bereits trainiert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="332" />
            <source>The network is being taught.</source>
            <translation>Das Netz wird gerade trainiert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="201" />
            <source>The stored class set cannot be read: {e}</source>
            <translation>Der gespeicherte Klassensatz kann nicht gelesen werden: {e}</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="158" />
            <source>The taught network cannot be used: {e}</source>
            <translation>Das trainierte Netz kann nicht verwendet werden: {e}</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="418" />
            <source>Undo last</source>
            <translation>Letzte rückgängig</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/teach.py" line="170" />
            <source>Unexpected result of the teaching.</source>
            <translation>Unerwartetes Ergebnis des Trainings.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="435" />
            <source>Use the taught network in the explorer</source>
            <translation>Das trainierte Netz im Explorer verwenden</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="298" />
            <source>Wipe class set</source>
            <translation>Klassensatz löschen</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="413" />
            <source>none</source>
            <translation>keine</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="56" />
            <source>true {t}, read as {p}: {n}</source>
            <translation>eine {t}, gelesen als {p}: {n}</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/results.py" line="129" />
            <source>{n} drawings were kept aside (never taught) to check the network; {k} were taught.</source>
            <translation>{n} Zeichnungen wurden zurückgehalten (nie trainiert), um das Netz zu prüfen; {k} wurden trainiert.</translation>
        </message>
        <message>
            <location filename="../../gui/classroom/panel.py" line="429" />
            <source>{n} drawings, {k} of them kept aside to check the network. They stay on this computer.</source>
            <translation>{n} Zeichnungen, davon {k} zurückgehalten, um das Netz zu prüfen. Sie bleiben auf diesem Computer.</translation>
        </message>
    </context>
    <context>
        <name>Controller</name>
        <message>
            <location filename="../../gui/controller.py" line="218" />
            <source>The model failed on this drawing: {0}</source>
            <translation>Das Modell ist an dieser Zeichnung gescheitert: {0}</translation>
        </message>
    </context>
    <context>
        <name>ConvLens</name>
        <message>
            <source>&amp;File</source>
            <translation type="vanished">&amp;Datei</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" line="268" />
            <source>An unexpected error happened; the app keeps running.

{0}</source>
            <translation>Ein unerwarteter Fehler ist aufgetreten; die App läuft weiter.

{0}</translation>
        </message>
        <message>
            <location filename="../../gui/model_opener.py" line="59" />
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" line="350" />
            <source>Cannot open the model</source>
            <translation>Das Modell kann nicht geöffnet werden</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" line="267" />
            <source>ConvLens: something went wrong</source>
            <translation>ConvLens: Etwas ist schiefgegangen</translation>
        </message>
        <message>
            <location filename="../../gui/model_opener.py" line="58" />
            <source>Opening {0}…</source>
            <translation>{0} wird geöffnet…</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" line="351" />
            <source>The model could not be opened:

{0}</source>
            <translation>Das Modell konnte nicht geöffnet werden:

{0}</translation>
        </message>
        <message>
            <location filename="../../gui/app.py" line="175" />
            <source>Your last trained model could not be opened ({0}); using the shipped model. The damaged files are kept in {1}.</source>
            <translation>Dein zuletzt trainiertes Modell konnte nicht geöffnet werden ({0}); das mitgelieferte Modell wird verwendet. Die beschädigten Dateien liegen in {1}.</translation>
        </message>
        <message>
            <location filename="../../gui/model_opener.py" line="88" />
            <source>{0}: opening was cancelled</source>
            <translation>{0}: Öffnen abgebrochen</translation>
        </message>
    </context>
    <context>
        <name>DrawingCanvas</name>
        <message>
            <location filename="../../gui/canvas.py" line="89" />
            <source>Draw a digit with the mouse, a pen or a finger</source>
            <translation>Zeichne eine Ziffer mit der Maus, einem Stift oder dem Finger</translation>
        </message>
    </context>
    <context>
        <name>ExplorerWindow</name>
        <message>
            <location filename="../../gui/window.py" line="492" />
            <source>&amp;About ConvLens</source>
            <translation>Ü&amp;ber ConvLens</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="482" />
            <source>&amp;Clear</source>
            <translation>&amp;Löschen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="484" />
            <source>&amp;Dark theme</source>
            <translation>&amp;Dunkles Design</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="480" />
            <source>&amp;Edit</source>
            <translation>&amp;Bearbeiten</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="474" />
            <source>&amp;File</source>
            <translation>&amp;Datei</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="490" />
            <source>&amp;Full screen</source>
            <translation>&amp;Vollbild</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="491" />
            <source>&amp;Help</source>
            <translation>&amp;Hilfe</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="487" />
            <source>&amp;Language</source>
            <translation>&amp;Sprache</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="475" />
            <source>&amp;Open model…</source>
            <translation>Modell ö&amp;ffnen…</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="488" />
            <source>&amp;Presenter mode (large text)</source>
            <translation>&amp;Präsentationsmodus (große Schrift)</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="479" />
            <source>&amp;Quit</source>
            <translation>&amp;Beenden</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="476" />
            <source>&amp;Save model as…</source>
            <translation>Modell &amp;speichern unter…</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="481" />
            <source>&amp;Undo stroke</source>
            <translation>Strich &amp;rückgängig</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="483" />
            <source>&amp;View</source>
            <translation>&amp;Ansicht</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="774" />
            <source>&lt;b&gt;ConvLens&lt;/b&gt; {version}</source>
            <translation>&lt;b&gt;ConvLens&lt;/b&gt; {version}</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="858" />
            <source>&lt;b&gt;Layers&lt;/b&gt; &lt;small&gt;(output shape)&lt;/small&gt;</source>
            <translation>&lt;b&gt;Schichten&lt;/b&gt; &lt;small&gt;(Ausgabeform)&lt;/small&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="749" />
            <source>About ConvLens</source>
            <translation>Über ConvLens</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="478" />
            <source>Available after training a model</source>
            <translation>Verfügbar, nachdem ein Modell trainiert wurde</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="739" />
            <source>Cannot open the model</source>
            <translation>Das Modell kann nicht geöffnet werden</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="463" />
            <source>Clear</source>
            <translation>Löschen</translation>
        </message>
        <message>
            <source>ConvLens - watch a CNN read your digit</source>
            <translation type="vanished">ConvLens – sieh zu, wie ein CNN deine Ziffer liest</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="460" />
            <source>ConvLens – watch a CNN read your digit</source>
            <translation>ConvLens – sieh zu, wie ein CNN deine Ziffer liest</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="493" />
            <source>Dark theme</source>
            <translation>Dunkles Design</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/controller.py" line="547" />
            <source>Draw a digit</source>
            <translation>Zeichne eine Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="776" />
            <source>Draw a digit and watch a convolutional network read it: every filter, every feature map and the output probabilities, live.</source>
            <translation>Zeichne eine Ziffer und sieh zu, wie ein Faltungsnetz sie liest: jeder Filter, jede Merkmalskarte und die Ausgabewahrscheinlichkeiten, live.</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="466" />
            <source>Every layer's output shape for one image (height × width × channels)</source>
            <translation>Die Ausgabeform jeder Schicht für ein Bild (Höhe × Breite × Kanäle)</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="469" />
            <source>Learn</source>
            <translation>Lernen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="493" />
            <source>Light theme</source>
            <translation>Helles Design</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="744" />
            <source>Loaded {0}</source>
            <translation>{0} geladen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="470" />
            <source>Main toolbar</source>
            <translation>Hauptwerkzeugleiste</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="495" />
            <source>Model: {0}</source>
            <translation>Modell: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="724" />
            <source>Models (*.onnx *.npz);;All files (*)</source>
            <translation>Modelle (*.onnx *.npz);;Alle Dateien (*)</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="468" />
            <source>Network</source>
            <translation>Netz</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="837" />
            <source>No model yet:
File &gt; Open model or Train</source>
            <translation>Noch kein Modell:
Datei &gt; Modell öffnen oder Trainieren</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="724" />
            <source>Open model</source>
            <translation>Modell öffnen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="471" />
            <source>Open model…</source>
            <translation>Modell öffnen…</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="462" />
            <source>Remove the last stroke (Ctrl+Z)</source>
            <translation>Den letzten Strich entfernen (Strg+Z)</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="486" />
            <source>Show &amp;preprocessing steps</source>
            <translation>&amp;Vorverarbeitungsschritte zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="485" />
            <source>Show maps after each &amp;conv</source>
            <translation>Karten nach jeder &amp;Faltung zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="337" />
            <source>Showing layer {0}</source>
            <translation>Schicht {0} wird gezeigt</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="464" />
            <source>Start again (Esc / Delete)</source>
            <translation>Neu anfangen (Esc / Entf)</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="740" />
            <source>The model could not be opened:

{0}</source>
            <translation>Das Modell konnte nicht geöffnet werden:

{0}</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="310" />
            <source>The shipped model could not be opened: {0}</source>
            <translation>Das mitgelieferte Modell konnte nicht geöffnet werden: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="473" />
            <source>Train the network on MNIST and watch the filters evolve</source>
            <translation>Das Netz auf MNIST trainieren und zusehen, wie sich die Filter entwickeln</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="472" />
            <source>Train…</source>
            <translation>Trainieren…</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="461" />
            <source>Undo</source>
            <translation>Rückgängig</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="766" />
            <source>kind</source>
            <translation>Art</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="766" />
            <source>layer</source>
            <translation>Schicht</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="824" />
            <source>network changed in this session</source>
            <translation>in dieser Sitzung verändertes Netz</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="823" />
            <source>no model</source>
            <translation>kein Modell</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="767" />
            <source>output shape</source>
            <translation>Ausgabeform</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="767" />
            <source>parameters</source>
            <translation>Parameter</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="770" />
            <source>total</source>
            <translation>gesamt</translation>
        </message>
    </context>
    <context>
        <name>ExportController</name>
        <message>
            <location filename="../../gui/export/menus.py" line="255" />
            <source>Cannot save the figure</source>
            <translation>Die Abbildung kann nicht gespeichert werden</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="310" />
            <source>Cannot save the handout</source>
            <translation>Das Arbeitsblatt kann nicht gespeichert werden</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="288" />
            <source>Draw a digit first</source>
            <translation>Zeichne zuerst eine Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="173" />
            <source>Export &amp;figure…</source>
            <translation>&amp;Abbildung exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="175" />
            <source>Export &amp;lesson…</source>
            <translation>&amp;Lektion exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="226" />
            <source>Export figure</source>
            <translation>Abbildung exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="202" />
            <source>Export figure…</source>
            <translation>Abbildung exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="292" />
            <source>Export lesson</source>
            <translation>Lektion exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="293" />
            <source>PDF documents (*.pdf)</source>
            <translation>PDF-Dokumente (*.pdf)</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="225" />
            <source>PNG pictures (*.png)</source>
            <translation>PNG-Bilder (*.png)</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="225" />
            <source>SVG drawings (*.svg)</source>
            <translation>SVG-Zeichnungen (*.svg)</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="174" />
            <source>Save a panel as a PNG picture or an SVG drawing</source>
            <translation>Eine Ansicht als PNG-Bild oder SVG-Zeichnung speichern</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="176" />
            <source>Save the Learn steps on your drawing as a PDF handout to print</source>
            <translation>Die Lernschritte zu deiner Zeichnung als PDF-Arbeitsblatt zum Ausdrucken speichern</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="316" />
            <source>Saved the lesson handout ({0} pages) as {1}</source>
            <translation>Arbeitsblatt zur Lektion ({0} Seiten) als {1} gespeichert</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="262" />
            <source>Saved {0}</source>
            <translation>{0} gespeichert</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="256" />
            <source>The figure could not be saved:

{0}</source>
            <translation>Die Abbildung konnte nicht gespeichert werden:

{0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="311" />
            <source>The handout could not be saved:

{0}</source>
            <translation>Das Arbeitsblatt konnte nicht gespeichert werden:

{0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="289" />
            <source>The handout shows every Learn step on your own digit: draw one on the canvas first.</source>
            <translation>Das Arbeitsblatt zeigt jeden Lernschritt an deiner eigenen Ziffer: Zeichne zuerst eine auf die Zeichenfläche.</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="282" />
            <source>changed in this session</source>
            <translation>in dieser Sitzung verändert</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="281" />
            <source>none</source>
            <translation>keins</translation>
        </message>
    </context>
    <context>
        <name>FeatureMapsPanel</name>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="57" />
            <source>&lt;b&gt;Feature maps&lt;/b&gt;</source>
            <translation>&lt;b&gt;Merkmalskarten&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="59" />
            <source>Also show maps after each conv</source>
            <translation>Auch die Karten nach jeder Faltung zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="63" />
            <source>Hover a map for its values; click one for its filter</source>
            <translation>Zeige auf eine Karte für ihre Werte; klicke eine an für ihren Filter</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="61" />
            <source>Show the rectified conv outputs (before pooling) too</source>
            <translation>Auch die gleichgerichteten Faltungsausgaben (vor dem Pooling) zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/window.py" line="843" />
            <source>Tap a map for its values and its filter</source>
            <translation>Tippe auf eine Karte für ihre Werte und ihren Filter</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="29" />
            <source>after {name}</source>
            <translation>nach {name}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="27" />
            <source>after {name} (conv + ReLU)</source>
            <translation>nach {name} (Faltung + ReLU)</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="28" />
            <source>after {name} (max-pool)</source>
            <translation>nach {name} (Max-Pooling)</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="160" />
            <source>colour 0&amp;ndash;{top}</source>
            <translation>Farbe 0&amp;ndash;{top}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="239" />
            <source>{0} map {1}, pixel (row {2}, col {3}): &lt;b&gt;{4}&lt;/b&gt;</source>
            <translation>{0} Karte {1}, Pixel (Zeile {2}, Spalte {3}): &lt;b&gt;{4}&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="157" />
            <source>{count} map of {h}&amp;times;{w}</source>
            <translation>{count} Karte aus {h}&amp;times;{w}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/feature_maps.py" line="157" />
            <source>{count} maps of {h}&amp;times;{w}</source>
            <translation>{count} Karten aus {h}&amp;times;{w}</translation>
        </message>
    </context>
    <context>
        <name>FigureExportDialog</name>
        <message>
            <location filename="../../gui/export/menus.py" line="108" />
            <source>Export figure</source>
            <translation>Abbildung exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="123" />
            <source>Format:</source>
            <translation>Format:</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="117" />
            <source>PNG picture</source>
            <translation>PNG-Bild</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="122" />
            <source>Panel:</source>
            <translation>Ansicht:</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="118" />
            <source>SVG drawing (scales without blur)</source>
            <translation>SVG-Zeichnung (bleibt beim Vergrößern scharf)</translation>
        </message>
        <message>
            <location filename="../../gui/export/menus.py" line="119" />
            <source>Save one panel of the window as a picture, for slides or worksheets.</source>
            <translation>Eine Ansicht des Fensters als Bild speichern, für Folien oder Arbeitsblätter.</translation>
        </message>
    </context>
    <context>
        <name>Figures</name>
        <message>
            <location filename="../../gui/export/figures.py" line="61" />
            <source>Canvas (with the overlay)</source>
            <translation>Zeichenfläche (mit Überlagerung)</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="67" />
            <source>Confusion matrix</source>
            <translation>Konfusionsmatrix</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="63" />
            <source>Feature maps</source>
            <translation>Merkmalskarten</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="64" />
            <source>Filters</source>
            <translation>Filter</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="62" />
            <source>Network input</source>
            <translation>Eingabe des Netzes</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="68" />
            <source>Our class's handwriting: before and after</source>
            <translation>Die Handschrift unserer Klasse: vorher und nachher</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="65" />
            <source>Probabilities</source>
            <translation>Wahrscheinlichkeiten</translation>
        </message>
        <message>
            <location filename="../../gui/export/figures.py" line="66" />
            <source>Training curves</source>
            <translation>Trainingskurven</translation>
        </message>
    </context>
    <context>
        <name>FiltersPanel</name>
        <message>
            <location filename="../../gui/panels/filters.py" line="150" />
            <source>&lt;b&gt;Filters&lt;/b&gt;</source>
            <translation>&lt;b&gt;Filter&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="195" />
            <source>Click a filter or a feature map to see its numbers</source>
            <translation>Klicke auf einen Filter oder eine Merkmalskarte, um ihre Zahlen zu sehen</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="157" />
            <source>How to show filters that look at several input channels (conv2 and deeper):
each filter on its strongest input channel, the mean |w| over all inputs,
the weights on one input channel, or every input channel (one row each)</source>
            <translation>So werden Filter gezeigt, die mehrere Eingabekanäle lesen (conv2 und tiefer):
jeder Filter auf seinem stärksten Eingabekanal, das mittlere |w| über alle Eingaben,
die Gewichte auf einem Eingabekanal oder jeder Eingabekanal (je eine Zeile)</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="495" />
            <source>bias {value}</source>
            <translation>Bias {value}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="441" />
            <source>colour &amp;plusmn;{limit}</source>
            <translation>Farbe &amp;plusmn;{limit}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="52" />
            <source>every input channel</source>
            <translation>jeder Eingabekanal</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="167" />
            <source>input channel </source>
            <translation>Eingabekanal </translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="50" />
            <source>mean |w| over inputs</source>
            <translation>mittleres |w| über die Eingaben</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="51" />
            <source>one input channel</source>
            <translation>ein Eingabekanal</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="49" />
            <source>strongest input channel</source>
            <translation>stärkster Eingabekanal</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="506" />
            <source>strongest inputs: {0}</source>
            <translation>stärkste Eingänge: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="497" />
            <source>weights</source>
            <translation>Gewichte</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="503" />
            <source>weights on input channel {0}</source>
            <translation>Gewichte auf Eingabekanal {0}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="492" />
            <source>{layer} filter {index} ({h}x{w}x{c})</source>
            <translation>{layer} Filter {index} ({h}x{w}x{c})</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="439" />
            <source>{n} filters (rows) &amp;times; {c} input channels (columns), {h}&amp;times;{w} each</source>
            <translation>{n} Filter (Zeilen) &amp;times; {c} Eingabekanäle (Spalten), je {h}&amp;times;{w}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="431" />
            <source>{n} filters of {h}&amp;times;{w}</source>
            <translation>{n} Filter aus {h}&amp;times;{w}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="433" />
            <source>{n} filters of {h}&amp;times;{w}&amp;times;{c}, each on its strongest input channel</source>
            <translation>{n} Filter aus {h}&amp;times;{w}&amp;times;{c}, jeder auf seinem stärksten Eingabekanal</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="437" />
            <source>{n} filters of {h}&amp;times;{w}&amp;times;{c}, input channel {channel}</source>
            <translation>{n} Filter aus {h}&amp;times;{w}&amp;times;{c}, Eingabekanal {channel}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="435" />
            <source>{n} filters of {h}&amp;times;{w}&amp;times;{c}, mean |w| over the {c} input channels</source>
            <translation>{n} Filter aus {h}&amp;times;{w}&amp;times;{c}, Mittel von |w| über die {c} Eingabekanäle</translation>
        </message>
    </context>
    <context>
        <name>Handout</name>
        <message>
            <location filename="../../gui/export/handout.py" line="164" />
            <source>28 × 28 pixels, printed dark on white (the network sees white on black)</source>
            <translation>28 × 28 Pixel, dunkel auf Weiß gedruckt (das Netz sieht Weiß auf Schwarz)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="380" />
            <source>A 3 × 3 filter at the lecture's strides:</source>
            <translation>Ein 3 × 3-Filter mit den Schrittweiten der Vorlesung:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="157" />
            <source>A lesson handout made with ConvLens</source>
            <translation>Ein Arbeitsblatt zur Lektion, erstellt mit ConvLens</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="120" />
            <source>ConvLens · Lesson handout</source>
            <translation>ConvLens · Arbeitsblatt zur Lektion</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="269" />
            <source>Each channel is printed as its own gray picture: darker is more of that colour.</source>
            <translation>Jeder Kanal ist als eigenes Graubild gedruckt: Dunkler heißt mehr von dieser Farbe.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="156" />
            <source>How a neural network reads your digit</source>
            <translation>Wie ein neuronales Netz deine Ziffer liest</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="192" />
            <source>Learn step</source>
            <translation>Lernschritt</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="158" />
            <source>Made on {0} with ConvLens {1}; model: {2}</source>
            <translation>Erstellt am {0} mit ConvLens {1}; Modell: {2}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="167" />
            <source>No model was loaded, so there is no answer.</source>
            <translation>Es war kein Modell geladen, daher gibt es keine Antwort.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="345" />
            <source>On your digit: {0}</source>
            <translation>An deiner Ziffer: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="377" />
            <source>Output for the lecture's X (9 × 9)</source>
            <translation>Ausgabe für das X der Vorlesung (9 × 9)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="378" />
            <source>Output for your digit (28 × 28)</source>
            <translation>Ausgabe für deine Ziffer (28 × 28)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="377" />
            <source>Padding</source>
            <translation>Rand</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="192" />
            <source>Page</source>
            <translation>Seite</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="119" />
            <source>Page {0} of {1}</source>
            <translation>Seite {0} von {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="202" />
            <source>Printed dark on white: the darker a cell, the larger its number. Rows are numbered on the left, from 0 at the top.</source>
            <translation>Dunkel auf Weiß gedruckt: Je dunkler eine Zelle, desto größer ihre Zahl. Die Zeilen sind links nummeriert, von 0 oben an.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="279" />
            <source>Signal f: row {0} of your digit. Kernel g: {1}.</source>
            <translation>Signal f: Zeile {0} deiner Ziffer. Kern g: {1}.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="377" />
            <source>Stride</source>
            <translation>Schrittweite</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="184" />
            <source>The black bar is the answer: the digit with the highest probability. The ten probabilities add up to 100%.</source>
            <translation>Der schwarze Balken ist die Antwort: die Ziffer mit der höchsten Wahrscheinlichkeit. Die zehn Wahrscheinlichkeiten ergeben zusammen 100 %.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="348" />
            <source>The filter</source>
            <translation>Der Filter</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="398" />
            <source>The lecture's diagonal filter, sum of products / 9. Cross-hatched cells are the zeros that “same” padding adds. Thick frame: the first window and its output; dashed frame: the next window, one stride further.</source>
            <translation>Der Diagonalfilter der Vorlesung, Summe der Produkte / 9. Kreuzschraffierte Zellen sind die Nullen, die der Rand „same“ hinzufügt. Dicker Rahmen: das erste Fenster und seine Ausgabe; gestrichelter Rahmen: das nächste Fenster, eine Schrittweite weiter.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="174" />
            <source>The network's answer:</source>
            <translation>Die Antwort des Netzes:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="181" />
            <source>The probability of each digit</source>
            <translation>Die Wahrscheinlichkeit jeder Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="302" />
            <source>Thick frame: the window at n = {0} (the largest output). Hatched cells are negative numbers.</source>
            <translation>Dicker Rahmen: das Fenster bei n = {0} (die größte Ausgabe). Schraffierte Zellen sind negative Zahlen.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="341" />
            <source>Thick frames: the first window on the X and the number it gives. Hatched cells are negative.</source>
            <translation>Dicke Rahmen: das erste Fenster auf dem X und die Zahl, die es ergibt. Schraffierte Zellen sind negativ.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="427" />
            <source>Thick lines: the 2 × 2 windows. Bold and framed: the largest number of each window, the one that goes to the pooled map. Cross-hatched: padding, which is never the largest.</source>
            <translation>Dicke Linien: die 2 × 2-Fenster. Fett und umrahmt: die größte Zahl jedes Fensters, die in die gepoolte Karte übernommen wird. Kreuzschraffiert: der Rand, der nie die größte Zahl ist.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="187" />
            <source>What is inside</source>
            <translation>Inhalt</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="199" />
            <source>Your digit as numbers: 0 is no ink, 255 is full ink</source>
            <translation>Deine Ziffer als Zahlen: 0 ist keine Tinte, 255 ist volle Tinte</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="163" />
            <source>Your digit as the network saw it</source>
            <translation>Deine Ziffer, wie das Netz sie sah</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="457" />
            <source>Your digit was read as {0} ({1}% sure).</source>
            <translation>Deine Ziffer wurde als {0} gelesen ({1} % sicher).</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="360" />
            <source>most negative</source>
            <translation>am stärksten negativ</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="360" />
            <source>most positive</source>
            <translation>am stärksten positiv</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="159" />
            <source>none</source>
            <translation>keins</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="188" />
            <source>page {0}</source>
            <translation>Seite {0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="317" />
            <source>position n</source>
            <translation>Position n</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="176" />
            <source>{0}% sure</source>
            <translation>{0} % sicher</translation>
        </message>
    </context>
    <context>
        <name>Kiosk</name>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="158" />
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/idle.py" line="188" />
            <source>Draw a digit!</source>
            <translation>Zeichne eine Ziffer!</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="161" />
            <source>Enter the admin PIN</source>
            <translation>Admin-PIN eingeben</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="164" />
            <source>No valid PIN is set in the kiosk configuration. See the kiosk log.</source>
            <translation>In der Kiosk-Konfiguration ist keine gültige PIN gesetzt. Siehe das Kiosk-Protokoll.</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="159" />
            <source>OK</source>
            <translation>OK</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="163" />
            <source>The admin exit is disabled</source>
            <translation>Der Admin-Ausgang ist gesperrt</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="204" />
            <source>Too many wrong PINs. Try again in %1 s.</source>
            <translation>Zu viele falsche PINs. Neuer Versuch in %1 s.</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/idle.py" line="189" />
            <source>Touch the black square and watch the network read it</source>
            <translation>Berühre das schwarze Feld und sieh zu, wie das Netz sie liest</translation>
        </message>
        <message>
            <location filename="../../gui/kiosk/pin.py" line="235" />
            <source>Wrong PIN. Try again.</source>
            <translation>Falsche PIN. Bitte noch einmal.</translation>
        </message>
    </context>
    <context>
        <name>KioskController</name>
        <message>
            <location filename="../../gui/kiosk/controller.py" line="472" />
            <source>Export…</source>
            <translation>Exportieren…</translation>
        </message>
    </context>
    <context>
        <name>Lesson</name>
        <message>
            <location filename="../../gui/export/handout.py" line="330" />
            <source>  (sum / {0})</source>
            <translation>  (Summe / {0})</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="349" />
            <source>  (sum of products)</source>
            <translation>  (Summe der Produkte)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="307" />
            <source> (outside: 0)</source>
            <translation> (außerhalb: 0)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_tensors.py" line="179" />
            <source>(C, H, W): channels first</source>
            <translation>(C, H, W): Kanäle zuerst</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_tensors.py" line="177" />
            <source>(H, W, C): channels last</source>
            <translation>(H, W, C): Kanäle zuletzt</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="37" />
            <source>1. Pixels are numbers</source>
            <translation>1. Pixel sind Zahlen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_tensors.py" line="30" />
            <source>2. Tensors</source>
            <translation>2. Tensoren</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="204" />
            <source>28 × 28 image ⇒ 784 input numbers; {0} of them are not 0. Flattened, they are the 784 inputs of a fully connected network.</source>
            <translation>28 × 28 Bild ⇒ 784 Eingabezahlen; {0} davon sind nicht 0. Flach hintereinander gelegt sind sie die 784 Eingänge eines vollständig verbundenen Netzes.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="82" />
            <source>3 taps (M = 1)</source>
            <translation>3 Koeffizienten (M = 1)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="24" />
            <source>3. 1D convolution</source>
            <translation>3. 1D-Faltung</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="48" />
            <source>4. 2D convolution</source>
            <translation>4. 2D-Faltung</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="83" />
            <source>5 taps (M = 2)</source>
            <translation>5 Koeffizienten (M = 2)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="35" />
            <source>5. Stride and padding</source>
            <translation>5. Schrittweite und Rand</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="33" />
            <source>6. Max pooling</source>
            <translation>6. Max-Pooling</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stacking.py" line="13" />
            <source>7. Stacking layers</source>
            <translation>7. Schichten stapeln</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="34" />
            <source>&lt;b&gt;What this step computes:&lt;/b&gt; a true convolution — the kernel is &lt;i&gt;flipped&lt;/i&gt; (g[m] multiplies f[n − m]), exactly as in the formula. (Step 4's 2D “convolution” does not flip.)</source>
            <translation>&lt;b&gt;Was dieser Schritt rechnet:&lt;/b&gt; eine echte Faltung – der Kern wird &lt;i&gt;gespiegelt&lt;/i&gt; (g[m] multipliziert f[n − m]), genau wie in der Formel. (Die 2D-„Faltung“ in Schritt 4 spiegelt nicht.)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="59" />
            <source>&lt;b&gt;What this step computes:&lt;/b&gt; the lecture's 2D “convolution” is a &lt;i&gt;cross-correlation&lt;/i&gt;: the filter is laid on the image as it is, &lt;i&gt;not flipped&lt;/i&gt; (step 3's 1D convolution flips its kernel). Conv layers compute exactly this; for a symmetric filter both give the same numbers.</source>
            <translation>&lt;b&gt;Was dieser Schritt rechnet:&lt;/b&gt; die 2D-„Faltung“ der Vorlesung ist eine &lt;i&gt;Kreuzkorrelation&lt;/i&gt;: der Filter wird so, wie er ist, auf das Bild gelegt, &lt;i&gt;nicht gespiegelt&lt;/i&gt; (die 1D-Faltung in Schritt 3 spiegelt ihren Kern). Faltungsschichten rechnen genau das; bei einem symmetrischen Filter geben beide dieselben Zahlen.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="93" />
            <source>&lt;span style='color:#00aa50'&gt;■&lt;/span&gt; the 2 × 2 window   &lt;span style='color:#ff9600'&gt;■&lt;/span&gt; its maximum, which goes to the pooled map</source>
            <translation>&lt;span style='color:#00aa50'&gt;■&lt;/span&gt; das 2 × 2 Fenster   &lt;span style='color:#ff9600'&gt;■&lt;/span&gt; sein Maximum, das in die verkleinerte Karte kommt</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stacking.py" line="23" />
            <source>A CNN stacks what you have seen: convolution, pooling, convolution, pooling: feature extraction; then fully connected layers: classification. Each layer's output is the next one's input, so the shapes chain from the (1, 28, 28, 1) image to 10 probabilities.</source>
            <translation>Ein CNN stapelt, was du gesehen hast: Faltung, Pooling, Faltung, Pooling: Merkmalsextraktion; dann vollständig verbundene Schichten: Klassifikation. Die Ausgabe jeder Schicht ist die Eingabe der nächsten, so führen die Formen vom Bild (1, 28, 28, 1) zu 10 Wahrscheinlichkeiten.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stacking.py" line="15" />
            <source>A CNN stacks what you have seen: convolution, pooling, convolution, pooling: feature extraction; then fully connected layers: classification. Each layer's output is the next one's input, so the shapes chain from the (1, 28, 28, 1) image to 10 probabilities. Click a stage to look at it in the explorer.</source>
            <translation>Ein CNN stapelt, was du gesehen hast: Faltung, Pooling, Faltung, Pooling: Merkmalsextraktion; dann vollständig verbundene Schichten: Klassifikation. Die Ausgabe jeder Schicht ist die Eingabe der nächsten, so führen die Formen vom Bild (1, 28, 28, 1) zu 10 Wahrscheinlichkeiten. Klicke auf eine Stufe, um sie im Explorer anzusehen.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="45" />
            <source>A box</source>
            <translation>Ein Rechteck</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="39" />
            <source>A picture is a grid of numbers. In black and white each pixel is 0 or 1; in grayscale it is a brightness from 0 (black) to 255 (white). MNIST digits are 28 × 28 = 784 such numbers, white on black, and that is all the network ever sees of your drawing.</source>
            <translation>Ein Bild ist ein Gitter aus Zahlen. In Schwarzweiß ist jedes Pixel 0 oder 1; in Graustufen ist es eine Helligkeit von 0 (schwarz) bis 255 (weiß). MNIST-Ziffern sind 28 × 28 = 784 solche Zahlen, weiß auf schwarz, und mehr sieht das Netz von deiner Zeichnung nie.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="46" />
            <source>A ramp</source>
            <translation>Eine Rampe</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="71" />
            <source>A row of your drawing</source>
            <translation>Eine Zeile deiner Zeichnung</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="44" />
            <source>A step</source>
            <translation>Eine Stufe</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_tensors.py" line="32" />
            <source>A tensor is an array with any number of axes; its order is how many. A pixel is a scalar (order 0), a row a vector (1), the image a matrix (2). A convolutional network adds a channel axis and a batch axis: its input is an order-4 tensor (N, H, W, C).</source>
            <translation>Ein Tensor ist ein Feld mit beliebig vielen Achsen; seine Stufe ist ihre Anzahl. Ein Pixel ist ein Skalar (Stufe 0), eine Zeile ein Vektor (1), das Bild eine Matrix (2). Ein Faltungsnetz fügt eine Kanal- und eine Stapelachse hinzu: Seine Eingabe ist ein Tensor der Stufe 4 (N, H, W, C).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="43" />
            <source>An impulse</source>
            <translation>Ein Impuls</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="49" />
            <source>Average of 3</source>
            <translation>Mittelwert über 3</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="52" />
            <source>Average of 5</source>
            <translation>Mittelwert über 5</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="155" />
            <source>Black and white</source>
            <translation>Schwarzweiß</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="261" />
            <source>Blue channel</source>
            <translation>Blaukanal</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="72" />
            <source>Blur (average of 9)</source>
            <translation>Weichzeichnen (Mittelwert über 9)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="449" />
            <source>Classification</source>
            <translation>Klassifikation</translation>
        </message>
        <message>
            <source>Click a stage to look at it in the explorer.</source>
            <translation type="vanished">Klicke auf eine Stufe, um sie im Explorer anzusehen.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="88" />
            <source>Click or drag here to choose the part shown zoomed in</source>
            <translation>Klicke oder ziehe hier, um den vergrößerten Ausschnitt zu wählen</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="259" />
            <source>Colour images</source>
            <translation>Farbbilder</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="50" />
            <source>Difference (1, 0, -1)</source>
            <translation>Differenz (1, 0, -1)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="166" />
            <source>Digit output, every position: {0} × {1}</source>
            <translation>Ausgabe der Ziffer, jede Position: {0} × {1}</translation>
        </message>
        <message>
            <source>Digit output: {0} × {1}</source>
            <translation type="vanished">Ausgabe der Ziffer: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="98" />
            <source>Draw a digit on the canvas to convolve one of its rows (an empty canvas is a row of zeros).</source>
            <translation>Zeichne eine Ziffer auf die Zeichenfläche, um eine ihrer Zeilen zu falten (eine leere Fläche ist eine Zeile aus Nullen).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="76" />
            <source>Draw a digit on the canvas to pool its feature map (an empty canvas gives a flat map).</source>
            <translation>Zeichne eine Ziffer auf die Zeichenfläche, um ihre Merkmalskarte zu verkleinern (eine leere Fläche ergibt eine flache Karte).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="95" />
            <source>Draw a digit on the canvas to see its output too (an empty canvas gives all zeros).</source>
            <translation>Zeichne eine Ziffer auf die Zeichenfläche, um auch ihre Ausgabe zu sehen (eine leere Fläche ergibt nur Nullen).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="115" />
            <source>Draw a digit on the canvas to slide the filter over it (an empty canvas is all zeros).</source>
            <translation>Zeichne eine Ziffer auf die Zeichenfläche, um den Filter darüber zu schieben (eine leere Fläche ist nur Nullen).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="181" />
            <source>Draw a digit on the canvas: its 784 numbers appear here. (An empty canvas is all zeros.)</source>
            <translation>Zeichne eine Ziffer auf die Zeichenfläche: Ihre 784 Zahlen erscheinen hier. (Eine leere Fläche ist nur Nullen.)</translation>
        </message>
        <message>
            <source>Drawn stand-ins for MNIST's first digits (MNIST is not downloaded)</source>
            <translation type="vanished">Gezeichnete Stellvertreter für die ersten MNIST-Ziffern (MNIST ist nicht heruntergeladen)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="243" />
            <source>Drawn stand-ins for MNIST's first digits (MNIST is not downloaded):</source>
            <translation>Gezeichnete Stellvertreter für die ersten MNIST-Ziffern (MNIST ist nicht heruntergeladen):</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="70" />
            <source>Edges: horizontal (Sobel)</source>
            <translation>Kanten: waagrecht (Sobel)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="71" />
            <source>Edges: vertical (Sobel)</source>
            <translation>Kanten: senkrecht (Sobel)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="228" />
            <source>Example from your image</source>
            <translation>Beispiel aus deinem Bild</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="247" />
            <source>Example {0}: a {1}</source>
            <translation>Beispiel {0}: eine {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="247" />
            <source>Example {0}: an {1}</source>
            <translation>Beispiel {0}: eine {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="448" />
            <source>Feature extraction</source>
            <translation>Merkmalsextraktion</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="416" />
            <source>Feature map {0} × {1}</source>
            <translation>Merkmalskarte {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="129" />
            <source>Filter (edit me)</source>
            <translation>Filter (bearbeite mich)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="385" />
            <source>Filter {0} × {1}, stride ({2}, {3}), padding “{4}”:</source>
            <translation>Filter {0} × {1}, Schrittweite ({2}, {3}), Rand „{4}“:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="106" />
            <source>Filter:</source>
            <translation>Filter:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="248" />
            <source>Filters (H_f, W_f, C_in, C_out)</source>
            <translation>Filter (H_f, W_f, C_in, C_out)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="153" />
            <source>Grayscale</source>
            <translation>Graustufen</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="261" />
            <source>Green channel</source>
            <translation>Grünkanal</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="51" />
            <source>Identity (0, 1, 0)</source>
            <translation>Identität (0, 1, 0)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="217" />
            <source>Image {0} × {1}</source>
            <translation>Bild {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="152" />
            <source>Image:</source>
            <translation>Bild:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="461" />
            <source>Input</source>
            <translation>Eingabe</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="232" />
            <source>Input: (N, H, W, C) = {0}: N images, H rows, W columns, C channels. The MNIST training set is one tensor of shape (60000, 28, 28, 1). A conv layer's filters are an order-4 tensor (H_f, W_f, C_in, C_out).</source>
            <translation>Eingabe: (N, H, W, C) = {0}: N Bilder, H Zeilen, W Spalten, C Kanäle. Der MNIST-Trainingssatz ist ein Tensor der Form (60000, 28, 28, 1). Die Filter einer Faltungsschicht sind ein Tensor der Stufe 4 (H_f, W_f, C_in, C_out).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="267" />
            <source>Keep going (or press “Show all”) to build the lecture's table.</source>
            <translation>Mach weiter (oder drücke „Alles zeigen“), um die Tabelle aus der Vorlesung aufzubauen.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="87" />
            <source>Kernel g:</source>
            <translation>Kern g:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="173" />
            <source>Larger cells, so that every pixel shows its number</source>
            <translation>Größere Zellen, damit jedes Pixel seine Zahl zeigt</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="248" />
            <source>Layer</source>
            <translation>Schicht</translation>
        </message>
        <message>
            <source>MNIST's first training digits</source>
            <translation type="vanished">Die ersten Trainingsziffern von MNIST</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="242" />
            <source>MNIST's first training digits:</source>
            <translation>Die ersten Trainingsziffern von MNIST:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="213" />
            <source>Matrix</source>
            <translation>Matrix</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="418" />
            <source>Max pooled {0} × {1}</source>
            <translation>Max-gepoolt {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="248" />
            <source>Meaning</source>
            <translation>Bedeutung</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="228" />
            <source>Name</source>
            <translation>Name</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="39" />
            <source>Next position ▶</source>
            <translation>Nächste Position ▶</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/panel.py" line="122" />
            <source>Next ▶</source>
            <translation>Weiter ▶</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="247" />
            <source>No model loaded yet</source>
            <translation>Noch kein Modell geladen</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="446" />
            <source>No model loaded yet.</source>
            <translation>Noch kein Modell geladen.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="355" />
            <source>On your digit the output is what a conv layer computes before its bias and ReLU: large where the image looks like the filter.</source>
            <translation>Auf deiner Ziffer ist die Ausgabe das, was eine Faltungsschicht vor Bias und ReLU berechnet: groß, wo das Bild dem Filter ähnelt.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="228" />
            <source>Order</source>
            <translation>Stufe</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="330" />
            <source>Output {0} × {1}</source>
            <translation>Ausgabe {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="74" />
            <source>Padding:</source>
            <translation>Rand:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="96" />
            <source>Pause</source>
            <translation>Pause</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="41" />
            <source>Play</source>
            <translation>Abspielen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="35" />
            <source>Pooling shrinks a feature map: slide a 2 × 2 window with stride 2 and keep only the maximum. The strong matches survive, the map is 4 times smaller, and a small shift of the input barely changes it. It works on H and W only: (−, 7, 7, C) → (−, 4, 4, C), every channel on its own. With “same” padding the odd last row and column get a window too (the padding never wins).</source>
            <translation>Pooling verkleinert eine Merkmalskarte: Schiebe ein 2 × 2 Fenster mit Schrittweite 2 und behalte nur das Maximum. Die starken Treffer bleiben, die Karte wird 4-mal kleiner, und eine kleine Verschiebung der Eingabe ändert sie kaum. Es wirkt nur auf H und W: (−, 7, 7, C) → (−, 4, 4, C), jeder Kanal für sich. Mit dem Rand „same“ bekommen auch die überzählige letzte Zeile und Spalte ein Fenster (der Rand gewinnt nie).</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="130" />
            <source>Products</source>
            <translation>Produkte</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="261" />
            <source>Red channel</source>
            <translation>Rotkanal</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="110" />
            <source>Reset filter</source>
            <translation>Filter zurücksetzen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="325" />
            <source>Rows {0}–{1}, columns {2}–{3} (drag on the small picture to move)</source>
            <translation>Zeilen {0}–{1}, Spalten {2}–{3} (zum Verschieben auf dem kleinen Bild ziehen)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="213" />
            <source>Scalar</source>
            <translation>Skalar</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="228" />
            <source>Shape</source>
            <translation>Form</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="73" />
            <source>Sharpen</source>
            <translation>Schärfen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="44" />
            <source>Show all</source>
            <translation>Alles zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stacking.py" line="108" />
            <source>Show {0} in the explorer</source>
            <translation>{0} im Explorer zeigen</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="79" />
            <source>Signal f:</source>
            <translation>Signal f:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="53" />
            <source>Smooth (1, 4, 6, 4, 1) / 16</source>
            <translation>Glätten (1, 4, 6, 4, 1) / 16</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="461" />
            <source>Softmax: probabilities</source>
            <translation>Softmax: Wahrscheinlichkeiten</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="61" />
            <source>Stride:</source>
            <translation>Schrittweite:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="213" />
            <source>Tensor</source>
            <translation>Tensor</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="214" />
            <source>Tensor (a batch)</source>
            <translation>Tensor (ein Stapel)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="37" />
            <source>The &lt;b&gt;stride&lt;/b&gt; is how many cells the window jumps: (2, 2) skips every other position and halves the output. &lt;b&gt;Padding&lt;/b&gt; decides what happens at the border: “valid” keeps the window inside the image (the output shrinks), “same” adds zeros around it so that output = ceil(input / stride).</source>
            <translation>Die &lt;b&gt;Schrittweite&lt;/b&gt; gibt an, um wie viele Zellen das Fenster springt: (2, 2) überspringt jede zweite Position und halbiert die Ausgabe. Der &lt;b&gt;Rand&lt;/b&gt; (Padding) bestimmt, was an der Grenze passiert: „valid“ hält das Fenster im Bild (die Ausgabe schrumpft), „same“ fügt ringsum Nullen hinzu, sodass Ausgabe = ceil(Eingabe / Schrittweite).</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="387" />
            <source>The X with padding: {0} × {1}</source>
            <translation>Das X mit Rand: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="388" />
            <source>The X, no padding: {0} × {1}</source>
            <translation>Das X ohne Rand: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="231" />
            <source>The batch and the filters</source>
            <translation>Der Stapel und die Filter</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="217" />
            <source>The cells are too small for their numbers: zoom in to read them.</source>
            <translation>Die Zellen sind zu klein für ihre Zahlen: vergrößere, um sie zu lesen.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="26" />
            <source>The convolution of f and g at position n is the sum, for m from −M to M, of f at n − m times g at m:  &lt;b&gt;(f ∗ g)[n] = Σ&lt;sub&gt;m=−M..M&lt;/sub&gt; f[n − m] g[m]&lt;/b&gt;. Slide n along the signal: the kernel, flipped, lines up under f; multiply the pairs, add them. Outside the signal f is 0.</source>
            <translation>Die Faltung von f und g an der Stelle n ist die Summe über m von −M bis M von f an n − m mal g an m:  &lt;b&gt;(f ∗ g)[n] = Σ&lt;sub&gt;m=−M..M&lt;/sub&gt; f[n − m] g[m]&lt;/b&gt;. Schiebe n am Signal entlang: Der gespiegelte Kern liegt unter f; multipliziere die Paare und addiere sie. Außerhalb des Signals ist f gleich 0.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="50" />
            <source>The filter slides over the image. At each position, multiply each image cell by the filter cell on top of it and add the 9 products; the lecture divides the sum by 9. Where the image matches the filter (the X's diagonal) every product is 1: 9 / 9 = 1.00. Off the diagonal a few products are −1: (1 + 1 − 1 + 1 + 1 + 1 − 1 + 1 + 1) / 9 = 0.55. Slide over every position and you get the 7 × 7 table: a map of where the filter's pattern is.</source>
            <translation>Der Filter gleitet über das Bild. An jeder Position wird jede Bildzelle mit der darüberliegenden Filterzelle multipliziert und die 9 Produkte addiert; die Vorlesung teilt die Summe durch 9. Wo das Bild zum Filter passt (die Diagonale des X), ist jedes Produkt 1: 9 / 9 = 1,00. Abseits der Diagonale sind einige Produkte −1: (1 + 1 − 1 + 1 + 1 + 1 − 1 + 1 + 1) / 9 = 0,55. Über jede Position geschoben ergibt das die 7 × 7 Tabelle: eine Karte, wo das Muster des Filters vorkommt.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="265" />
            <source>The filter was changed: this is no longer the lecture's table.</source>
            <translation>Der Filter wurde geändert: Das ist nicht mehr die Tabelle aus der Vorlesung.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="56" />
            <source>The lecture's 7 × 7 table</source>
            <translation>Die 7 × 7 Tabelle der Vorlesung</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="326" />
            <source>The lecture's X (9 × 9)</source>
            <translation>Das X der Vorlesung (9 × 9)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="151" />
            <source>The lecture's X, 9 × 9:</source>
            <translation>Das X der Vorlesung, 9 × 9:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="69" />
            <source>The lecture's diagonal filter</source>
            <translation>Der Diagonalfilter der Vorlesung</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="253" />
            <source>The lecture's two 3 × 3 filters stacked: one conv tensor of shape {0}.</source>
            <translation>Die zwei 3 × 3 Filter der Vorlesung gestapelt: ein Faltungstensor der Form {0}.</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="74" />
            <source>The network's own filter (first layer)</source>
            <translation>Ein Filter des Netzes (erste Schicht)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="266" />
            <source>This picture is an array of shape &lt;b&gt;{0}&lt;/b&gt;; its red channel is &lt;tt&gt;{1}&lt;/tt&gt;. Same numbers, different order of the axes.</source>
            <translation>Dieses Bild ist ein Feld der Form &lt;b&gt;{0}&lt;/b&gt;; sein Rotkanal ist &lt;tt&gt;{1}&lt;/tt&gt;. Dieselben Zahlen, andere Reihenfolge der Achsen.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="213" />
            <source>Vector</source>
            <translation>Vektor</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="214" />
            <source>What the numbers look like</source>
            <translation>So sehen die Zahlen aus</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="337" />
            <source>Window at row {0}, column {1}:</source>
            <translation>Fenster bei Zeile {0}, Spalte {1}:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pooling.py" line="160" />
            <source>With “valid” padding the last row and column are dropped: 3 × 3. The lecture uses “same”: 4 × 4.</source>
            <translation>Mit dem Rand „valid“ fallen die letzte Zeile und Spalte weg: 3 × 3. Die Vorlesung verwendet „same“: 4 × 4.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="394" />
            <source>X output: {0} × {1}</source>
            <translation>Ausgabe des X: {0} × {1}</translation>
        </message>
        <message>
            <source>X with padding: {0} × {1}</source>
            <translation type="vanished">X mit Rand: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="346" />
            <source>Your digit (28 × 28)</source>
            <translation>Deine Ziffer (28 × 28)</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="431" />
            <source>Your digit after the diagonal filter (26 × 26)</source>
            <translation>Deine Ziffer nach dem Diagonalfilter (26 × 26)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="161" />
            <source>Your digit with padding: {0} × {1}</source>
            <translation>Deine Ziffer mit Rand: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="152" />
            <source>Your digit, 28 × 28:</source>
            <translation>Deine Ziffer, 28 × 28:</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_stride.py" line="164" />
            <source>Your digit, no padding: {0} × {1}</source>
            <translation>Deine Ziffer ohne Rand: {0} × {1}</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="151" />
            <source>Your drawing</source>
            <translation>Deine Zeichnung</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="212" />
            <source>Your image as tensors</source>
            <translation>Dein Bild als Tensoren</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="178" />
            <source>Zoom:</source>
            <translation>Zoom:</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="220" />
            <source>a batch of 1 image: what the network reads</source>
            <translation>ein Stapel aus 1 Bild: das liest das Netz</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="288" />
            <source>f</source>
            <translation>f</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="288" />
            <source>f ∗ g</source>
            <translation>f ∗ g</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="109" />
            <source>filter #</source>
            <translation>Filter Nr.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="288" />
            <source>g flipped at n</source>
            <translation>g gespiegelt an n</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="225" />
            <source>no shape ()</source>
            <translation>keine Form ()</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="415" />
            <source>pad</source>
            <translation>Rand</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="216" />
            <source>pixel [14, 14] = {0}</source>
            <translation>Pixel [14, 14] = {0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="288" />
            <source>products</source>
            <translation>Produkte</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv1d.py" line="78" />
            <source>row </source>
            <translation>Zeile </translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="217" />
            <source>row 14 = {0}</source>
            <translation>Zeile 14 = {0}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="369" />
            <source>same</source>
            <translation>same</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="89" />
            <source>step {0} of {1}</source>
            <translation>Schritt {0} von {1}</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="219" />
            <source>the image with its channel axis (1 channel: gray)</source>
            <translation>das Bild mit seiner Kanalachse (1 Kanal: grau)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_conv2d.py" line="253" />
            <source>the sum of the {0} products</source>
            <translation>die Summe der {0} Produkte</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="218" />
            <source>the whole image</source>
            <translation>das ganze Bild</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="368" />
            <source>valid</source>
            <translation>valid</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="240" />
            <source>{0} filters of {1} × {2} cells, each reading 1 channel: {0} output channels</source>
            <translation>{0} Filter aus {1} × {2} Zellen, jeder liest 1 Kanal: {0} Ausgabekanäle</translation>
        </message>
        <message>
            <source>{0} filters of {1} × {2} cells, each reading {3} channel(s): {0} output channels</source>
            <translation type="vanished">{0} Filter aus {1} × {2} Zellen, jeder liest {3} Kanal/Kanäle: {0} Ausgabekanäle</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="242" />
            <source>{0} filters of {1} × {2} cells, each reading {3} channels: {0} output channels</source>
            <translation>{0} Filter aus {1} × {2} Zellen, jeder liest {3} Kanäle: {0} Ausgabekanäle</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="176" />
            <source>{0}× (all {1} × {1})</source>
            <translation>{0}× (alle {1} × {1})</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/step_pixels.py" line="176" />
            <source>{0}× ({1} × {1} pixels)</source>
            <translation>{0}× ({1} × {1} Pixel)</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/panel.py" line="120" />
            <source>◀ Previous</source>
            <translation>◀ Zurück</translation>
        </message>
        <message>
            <location filename="../../gui/lesson/controls.py" line="37" />
            <source>◀ Previous position</source>
            <translation>◀ Vorige Position</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="339" />
            <source>✓ This is exactly the lecture's 7 × 7 table.</source>
            <translation>✓ Das ist genau die 7 × 7 Tabelle der Vorlesung.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="424" />
            <source>✓ This is exactly the lecture's pooled 4 × 4 table.</source>
            <translation>✓ Das ist genau die verkleinerte 4 × 4 Tabelle der Vorlesung.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="425" />
            <source>✗ This differs from the lecture's pooled table.</source>
            <translation>✗ Das weicht von der verkleinerten Tabelle der Vorlesung ab.</translation>
        </message>
        <message>
            <location filename="../../gui/export/handout.py" line="340" />
            <source>✗ This differs from the lecture's table.</source>
            <translation>✗ Das weicht von der Tabelle der Vorlesung ab.</translation>
        </message>
    </context>
    <context>
        <name>NetworkInputPanel</name>
        <message>
            <location filename="../../gui/panels/network_input.py" line="27" />
            <source>1 raw canvas</source>
            <translation>1 rohe Zeichenfläche</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="28" />
            <source>2 cropped to the ink</source>
            <translation>2 auf die Tinte zugeschnitten</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="88" />
            <source>28×28, white on black</source>
            <translation>28×28, weiß auf schwarz</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="29" />
            <source>3 scaled to 20×20</source>
            <translation>3 auf 20×20 skaliert</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="121" />
            <source>4 centred (28×28)</source>
            <translation>4 zentriert (28×28)</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="53" />
            <source>&lt;b&gt;Network input&lt;/b&gt;</source>
            <translation>&lt;b&gt;Netzeingabe&lt;/b&gt;</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="57" />
            <source>How the drawing becomes the 28×28 image MNIST digits look like</source>
            <translation>Wie aus der Zeichnung das 28×28-Bild wird, wie MNIST-Ziffern es sind</translation>
        </message>
        <message>
            <location filename="../../gui/panels/network_input.py" line="55" />
            <source>Show the steps</source>
            <translation>Schritte zeigen</translation>
        </message>
    </context>
    <context>
        <name>ProbabilitiesPanel</name>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="86" />
            <source>Draw a digit</source>
            <translation>Zeichne eine Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="190" />
            <source>Draw one digit, 0–9</source>
            <translation>Zeichne eine Ziffer, 0–9</translation>
        </message>
        <message>
            <source>Not sure: a {0} or a {1}?</source>
            <translation type="vanished">Unsicher: eine {0} oder eine {1}?</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="186" />
            <source>Not sure: {0} or {1}?</source>
            <translation>Unsicher: {0} oder {1}?</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="189" />
            <source>That does not look like a digit</source>
            <translation>Das sieht nicht wie eine Ziffer aus</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="185" />
            <source>a {0}</source>
            <translation>eine {0}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="185" />
            <source>an {0}</source>
            <translation>eine {0}</translation>
        </message>
        <message>
            <location filename="../../gui/panels/probabilities.py" line="178" />
            <source>{0}% sure</source>
            <translation>{0} % sicher</translation>
        </message>
    </context>
    <context>
        <name>ProfileSwitcher</name>
        <message>
            <location filename="../../gui/profile_view.py" line="220" />
            <source>&amp;Choose panels…</source>
            <translation>&amp;Ansichten wählen…</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="219" />
            <source>&amp;Full</source>
            <translation>&amp;Vollständig</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="218" />
            <source>&amp;Simple (younger pupils)</source>
            <translation>&amp;Einfach (jüngere Schüler)</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="125" />
            <source>Choose panels</source>
            <translation>Ansichten wählen</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="60" />
            <source>Class tab</source>
            <translation>Reiter „Klasse“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="131" />
            <source>Controls</source>
            <translation>Bedienelemente</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="72" />
            <source>Export figures and lesson</source>
            <translation>Abbildungen und Lektion exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="53" />
            <source>Feature maps (pooled)</source>
            <translation>Merkmalskarten (gepoolt)</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="56" />
            <source>Filters</source>
            <translation>Filter</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="55" />
            <source>Layer table</source>
            <translation>Schichtentabelle</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="57" />
            <source>Learn tab</source>
            <translation>Reiter „Lernen“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="65" />
            <source>Maps after each conv</source>
            <translation>Karten nach jeder Faltung</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="54" />
            <source>Network input (28×28)</source>
            <translation>Eingabe des Netzes (28×28)</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="67" />
            <source>Open model</source>
            <translation>Modell öffnen</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="217" />
            <source>P&amp;rofile</source>
            <translation>P&amp;rofil</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="130" />
            <source>Panels</source>
            <translation>Ansichten</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="66" />
            <source>Preprocessing steps</source>
            <translation>Vorverarbeitungsschritte</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="52" />
            <source>Probabilities</source>
            <translation>Wahrscheinlichkeiten</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="69" />
            <source>Theme switch</source>
            <translation>Design-Umschalter</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="68" />
            <source>Train button</source>
            <translation>Knopf „Trainieren…“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="59" />
            <source>Training tab</source>
            <translation>Reiter „Training“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="64" />
            <source>Undo and Clear</source>
            <translation>Rückgängig und Löschen</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="58" />
            <source>Why? tab</source>
            <translation>Reiter „Warum?“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="70" />
            <source>“Correct me” bar</source>
            <translation>Leiste „Korrigiere mich“</translation>
        </message>
        <message>
            <location filename="../../gui/profile_view.py" line="71" />
            <source>“Where it looks” switch</source>
            <translation>Schalter „Wohin es schaut“</translation>
        </message>
    </context>
    <context>
        <name>RankingView</name>
        <message>
            <location filename="../../gui/why/views.py" line="94" />
            <source>map {0}</source>
            <translation>Karte {0}</translation>
        </message>
    </context>
    <context>
        <name>SaliencyOverlay</name>
        <message>
            <location filename="../../gui/why/overlay.py" line="164" />
            <source>pushes away from {0}</source>
            <translation>spricht gegen {0}</translation>
        </message>
        <message>
            <location filename="../../gui/why/overlay.py" line="163" />
            <source>pushes towards {0}</source>
            <translation>spricht für {0}</translation>
        </message>
    </context>
    <context>
        <name>Timelapse</name>
        <message>
            <location filename="../../gui/training/timelapse.py" line="225" />
            <source>Cannot write {path}: {error}</source>
            <translation>{path} lässt sich nicht schreiben: {error}</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="80" />
            <source>Drag to see the filters at any moment of the training</source>
            <translation>Ziehen, um die Filter zu jedem Zeitpunkt des Trainings zu sehen</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="86" />
            <source>Export GIF…</source>
            <translation>GIF exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="225" />
            <source>Export failed</source>
            <translation>Export fehlgeschlagen</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="88" />
            <source>Export strip…</source>
            <translation>Bildstreifen exportieren…</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="204" />
            <source>Export time-lapse GIF</source>
            <translation>Zeitraffer als GIF exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="208" />
            <source>Export time-lapse strip</source>
            <translation>Zeitraffer als Bildstreifen exportieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="165" />
            <source>Frame {n} of {count}: step {step} of {total} (epoch {epoch})</source>
            <translation>Bild {n} von {count}: Schritt {step} von {total} (Epoche {epoch})</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="204" />
            <source>GIF animation (*.gif)</source>
            <translation>GIF-Animation (*.gif)</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="208" />
            <source>PNG picture (*.png)</source>
            <translation>PNG-Bild (*.png)</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="182" />
            <source>Pause</source>
            <translation>Pause</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="81" />
            <source>Play</source>
            <translation>Abspielen</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="68" />
            <source>Time-lapse: the filters forming</source>
            <translation>Zeitraffer: So entstehen die Filter</translation>
        </message>
        <message>
            <location filename="../../gui/training/timelapse.py" line="72" />
            <source>Train the network to watch its filters form, frame by frame.</source>
            <translation>Trainiere das Netz und sieh Bild für Bild zu, wie seine Filter entstehen.</translation>
        </message>
    </context>
    <context>
        <name>Training</name>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="205" />
            <source> px</source>
            <translation> px</translation>
        </message>
        <message>
            <location filename="../../gui/training/__init__.py" line="86" />
            <source>&amp;Reset to the factory model</source>
            <translation>Auf das &amp;Werksmodell zurücksetzen</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="176" />
            <source>1 saved correction. Tick “Fine-tune … on my corrections” in the advanced settings to train on it.</source>
            <translation>1 gespeicherte Korrektur. Hake „… mit meinen Korrekturen nachtrainieren“ in den erweiterten Einstellungen an, um damit zu trainieren.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="212" />
            <source>2x2</source>
            <translation>2x2</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="147" />
            <source>A {t} read as {p} ({conf:.0%} sure)</source>
            <translation>Eine {t}, gelesen als {p} ({conf:.0%} sicher)</translation>
        </message>
        <message>
            <location filename="../../gui/training/curves.py" line="67" />
            <source>Accuracy</source>
            <translation>Genauigkeit</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="86" />
            <source>Accuracy per digit</source>
            <translation>Genauigkeit je Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="110" />
            <source>Advanced settings</source>
            <translation>Erweiterte Einstellungen</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="142" />
            <source>Augment (small random shifts and rotations)</source>
            <translation>Variieren (kleine zufällige Verschiebungen und Drehungen)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="77" />
            <source>Back to the weights this run started from: step 0, the optimiser starts over. Press Resume or One step.</source>
            <translation>Zurück zu den Gewichten, mit denen dieser Lauf begann: Schritt 0, der Optimierer fängt von vorn an. Drücke „Weiter“ oder „Ein Schritt“.</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="141" />
            <source>Batch size</source>
            <translation>Stapelgröße</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="190" />
            <source>Block</source>
            <translation>Block</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="72" />
            <source>Block {block} needs between {low} and {high} filters, not {value}.</source>
            <translation>Block {block} braucht zwischen {low} und {high} Filter, nicht {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="84" />
            <source>Block {block}'s 2x2 pooling does not fit the {size} map its filter leaves: switch that pooling off, or use "same" padding or a smaller filter.</source>
            <translation>Das 2x2-Pooling von Block {block} passt nicht auf die {size}-Karte, die sein Filter übrig lässt: Schalte dieses Pooling aus oder nimm Rand „same“ oder einen kleineren Filter.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="73" />
            <source>Block {block}'s filter size must be between {low} and {high}, not {value}.</source>
            <translation>Die Filtergröße von Block {block} muss zwischen {low} und {high} liegen, nicht bei {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="75" />
            <source>Block {block}'s padding must be "same" or "valid", not {value}.</source>
            <translation>Der Rand von Block {block} muss „same“ oder „valid“ sein, nicht {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="78" />
            <source>Block {block}'s {kernel} filter does not fit the {size} map it gets: use a smaller filter or "same" padding.</source>
            <translation>Der {kernel}-Filter von Block {block} passt nicht auf die {size}-Karte, die er bekommt: Nimm einen kleineren Filter oder Rand „same“.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="80" />
            <source>Block {block}'s {kernel} filter does not fit the {size} map left after one pooling: use a smaller filter, "same" padding or less pooling.</source>
            <translation>Der {kernel}-Filter von Block {block} passt nicht auf die {size}-Karte, die nach einem Pooling übrig ist: Nimm einen kleineren Filter, Rand „same“ oder weniger Pooling.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="82" />
            <source>Block {block}'s {kernel} filter does not fit the {size} map left after {pools} poolings: use a smaller filter, "same" padding or less pooling.</source>
            <translation>Der {kernel}-Filter von Block {block} passt nicht auf die {size}-Karte, die nach {pools} Poolings übrig ist: Nimm einen kleineren Filter, Rand „same“ oder weniger Pooling.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="201" />
            <source>Block {n}</source>
            <translation>Block {n}</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="134" />
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="67" />
            <source>Cannot load MNIST: {e}</source>
            <translation>MNIST kann nicht geladen werden: {e}</translation>
        </message>
        <message>
            <source>Cannot open model</source>
            <translation type="vanished">Modell kann nicht geöffnet werden</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="127" />
            <source>Cannot reset the model</source>
            <translation>Modell kann nicht zurückgesetzt werden</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="103" />
            <source>Cannot save</source>
            <translation>Speichern nicht möglich</translation>
        </message>
        <message>
            <location filename="../../gui/training/session.py" line="420" />
            <source>Cannot use the new model</source>
            <translation>Das neue Modell kann nicht verwendet werden</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="173" />
            <source>Change the learning rate while paused; it then stays fixed for the rest of the run.</source>
            <translation>Ändere die Lernrate während der Pause; sie bleibt dann für den Rest des Laufs fest.</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="92" />
            <source>Confusion matrix (rows: true digit, columns: the network's answer)</source>
            <translation>Konfusionsmatrix (Zeilen: echte Ziffer, Spalten: Antwort des Netzes)</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="185" />
            <source>Conv blocks</source>
            <translation>Faltungsblöcke</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="145" />
            <source>Correct me</source>
            <translation>Korrigiere mich</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="258" />
            <source>Corrections</source>
            <translation>Korrekturen</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="137" />
            <source>Could not download MNIST: {e}. Training needs it; the shipped model keeps working.</source>
            <translation>MNIST konnte nicht heruntergeladen werden: {e}. Das Training braucht es; das mitgelieferte Modell funktioniert weiter.</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="114" />
            <source>Could not save the correction: {error}</source>
            <translation>Die Korrektur konnte nicht gespeichert werden: {error}</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="123" />
            <source>Custom…</source>
            <translation>Eigenes Netz…</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="231" />
            <source>Dense units</source>
            <translation>Dense-Neuronen</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="106" />
            <source>Digits it got wrong (click one to see it through the network):</source>
            <translation>Falsch gelesene Ziffern (klicke eine an, um sie durch das Netz zu schicken):</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="247" />
            <source>Done in {secs:.0f} s: {acc:.2%} of the test digits read correctly.</source>
            <translation>Fertig in {secs:.0f} s: {acc:.2%} der Testziffern richtig gelesen.</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="64" />
            <source>Download MNIST (about 11 MB)</source>
            <translation>MNIST herunterladen (etwa 11 MB)</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="115" />
            <source>Downloading MNIST and checking it…</source>
            <translation>MNIST wird heruntergeladen und geprüft…</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="96" />
            <source>Downloading MNIST…</source>
            <translation>MNIST wird heruntergeladen…</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="239" />
            <source>Dropout</source>
            <translation>Dropout</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="184" />
            <source>Each conv block is a layer of filters, optionally followed by 2x2 pooling</source>
            <translation>Jeder Faltungsblock ist eine Schicht von Filtern, auf Wunsch gefolgt von 2x2-Pooling</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="129" />
            <source>Epochs</source>
            <translation>Epochen</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="190" />
            <source>Filter size</source>
            <translation>Filtergröße</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="206" />
            <source>Filter size: the filters are this many pixels high and wide</source>
            <translation>Filtergröße: So viele Pixel hoch und breit sind die Filter</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="190" />
            <source>Filters</source>
            <translation>Filter</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="146" />
            <source>Fine-tune the model in use on my corrections</source>
            <translation>Das aktuelle Modell mit meinen Korrekturen nachtrainieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="283" />
            <source>Fine-tune the model in use on my corrections ({n} saved)</source>
            <translation>Das aktuelle Modell mit meinen Korrekturen nachtrainieren ({n} gespeichert)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="151" />
            <source>Hold the training after the current batch; press again to resume.</source>
            <translation>Hält das Training nach dem laufenden Stapel an; nochmals drücken, um weiterzumachen.</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="87" />
            <source>In use: {label}</source>
            <translation>In Gebrauch: {label}</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="75" />
            <source>It was a {digit}</source>
            <translation>Es war eine {digit}</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="75" />
            <source>It was an {digit}</source>
            <translation>Es war eine {digit}</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="139" />
            <source>Learning rate</source>
            <translation>Lernrate</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="349" />
            <source>Learning rate {lr:g} from the next batch on, for the rest of this run.</source>
            <translation>Lernrate {lr:g} ab dem nächsten Stapel, für den Rest dieses Laufs.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="40" />
            <source>Loading MNIST…</source>
            <translation>MNIST wird geladen…</translation>
        </message>
        <message>
            <location filename="../../gui/training/curves.py" line="66" />
            <source>Loss</source>
            <translation>Verlust</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="85" />
            <source>MNIST (the 70,000 digits the network learns from) is not on this computer yet. Download it to train; the shipped model keeps working without it.</source>
            <translation>MNIST (die 70.000 Ziffern, aus denen das Netz lernt) ist noch nicht auf diesem Computer. Lade es zum Trainieren herunter; das mitgelieferte Modell funktioniert auch ohne.</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="132" />
            <source>MNIST downloaded and verified.</source>
            <translation>MNIST heruntergeladen und geprüft.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="214" />
            <source>Max pooling: keep the largest of every 2x2 square, halving the map</source>
            <translation>Max-Pooling: Von jedem 2x2-Quadrat bleibt der größte Wert, die Karte wird halb so groß</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="60" />
            <source>Model</source>
            <translation>Modell</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="370" />
            <source>Model not saved</source>
            <translation>Modell nicht gespeichert</translation>
        </message>
        <message>
            <source>Models (*.onnx *.npz);;All files (*)</source>
            <translation type="vanished">Modelle (*.onnx *.npz);;Alle Dateien (*)</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="125" />
            <source>Network</source>
            <translation>Netz</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="185" />
            <source>No saved corrections yet.</source>
            <translation>Noch keine gespeicherten Korrekturen.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="67" />
            <source>No training data</source>
            <translation>Keine Trainingsdaten</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="130" />
            <source>Now using {name}.</source>
            <translation>Jetzt in Gebrauch: {name}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="93" />
            <source>ONNX model (*.onnx);;NumPy model (*.npz)</source>
            <translation>ONNX-Modell (*.onnx);;NumPy-Modell (*.npz)</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="88" />
            <source>One image would cost {mflop} MFLOP, more than the {limit} MFLOP allowed here: use fewer or smaller filters, or pool earlier.</source>
            <translation>Ein Bild würde {mflop} MFLOP kosten, mehr als die hier erlaubten {limit} MFLOP: Nimm weniger oder kleinere Filter oder poole früher.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="153" />
            <source>One step</source>
            <translation>Ein Schritt</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="83" />
            <source>One step: batch {step} of {total}, loss {loss:.3f}. Filter {filter} changed most ({change:.2g}); the Network tab shows the new filters.</source>
            <translation>Ein Schritt: Stapel {step} von {total}, Verlust {loss:.3f}. Filter {filter} hat sich am stärksten geändert ({change:.2g}); der Reiter „Netz“ zeigt die neuen Filter.</translation>
        </message>
        <message>
            <source>Open model</source>
            <translation type="vanished">Modell öffnen</translation>
        </message>
        <message>
            <source>Open model…</source>
            <translation type="vanished">Modell öffnen…</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="190" />
            <source>Padding</source>
            <translation>Rand</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="149" />
            <source>Pause</source>
            <translation>Pause</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="336" />
            <source>Pause the training first.</source>
            <translation>Halte das Training zuerst an.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="87" />
            <source>Paused at batch {step} of {total}; loss of the last batch {loss:.3f}.</source>
            <translation>Angehalten bei Stapel {step} von {total}; Verlust des letzten Stapels {loss:.3f}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="80" />
            <source>Paused before the first batch. Press Resume or One step.</source>
            <translation>Vor dem ersten Stapel angehalten. Drücke „Weiter“ oder „Ein Schritt“.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="211" />
            <source>Paused · step {step}/{total}</source>
            <translation>Angehalten · Schritt {step}/{total}</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="312" />
            <source>Pausing after this batch…</source>
            <translation>Halte nach diesem Stapel an…</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="190" />
            <source>Pool</source>
            <translation>Pooling</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="141" />
            <source>Press Quick train to start.</source>
            <translation>Drücke „Schnell trainieren“, um zu beginnen.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="162" />
            <source>Put back the weights this run started from (only while paused); the optimiser starts over.</source>
            <translation>Setzt die Gewichte zurück, mit denen dieser Lauf begann (nur in der Pause); der Optimierer fängt von vorn an.</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="94" />
            <source>Quick train (about a minute)</source>
            <translation>Schnell trainieren (etwa eine Minute)</translation>
        </message>
        <message>
            <source>Quick train (about half a minute)</source>
            <translation type="vanished">Schnell trainieren (etwa eine halbe Minute)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="41" />
            <source>Re-drawing MNIST digits as pen strokes (only the first time)…</source>
            <translation>MNIST-Ziffern werden als Stiftstriche nachgezeichnet (nur beim ersten Mal)…</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="159" />
            <source>Reset</source>
            <translation>Zurücksetzen</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="74" />
            <source>Reset to the factory model</source>
            <translation>Auf das Werksmodell zurücksetzen</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="196" />
            <source>Resume</source>
            <translation>Weiter</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="92" />
            <source>Save model as</source>
            <translation>Modell speichern unter</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="70" />
            <source>Save model as…</source>
            <translation>Modell speichern unter…</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="80" />
            <source>Save my corrections (on this computer, to improve the network)</source>
            <translation>Meine Korrekturen speichern (auf diesem Computer, um das Netz zu verbessern)</translation>
        </message>
        <message>
            <location filename="../../gui/training/__init__.py" line="84" />
            <source>Save the model in use as .onnx or .npz</source>
            <translation>Das verwendete Modell als .onnx oder .npz speichern</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="113" />
            <source>Saved {name}.</source>
            <translation>{name} gespeichert.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="46" />
            <source>Saving the model…</source>
            <translation>Modell wird gespeichert…</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="412" />
            <source>Stop the training first.</source>
            <translation>Beende zuerst das Training.</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="305" />
            <source>Stopping…</source>
            <translation>Wird beendet…</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="125" />
            <source>Test accuracy: {acc:.2%} ({wrong} of {n} digits it never saw were read wrong)</source>
            <translation>Testgenauigkeit: {acc:.2%} ({wrong} von {n} nie gesehenen Ziffern falsch gelesen)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="45" />
            <source>Testing on digits it has never seen…</source>
            <translation>Test mit Ziffern, die es nie gesehen hat…</translation>
        </message>
        <message>
            <source>Thanks! It was a {digit}. Tick “Save my corrections” to keep it for training.</source>
            <translation type="vanished">Danke! Es war eine {digit}. Hake „Meine Korrekturen speichern“ an, um sie fürs Training aufzuheben.</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="125" />
            <source>Thanks! It was {digit}. Tick “Save my corrections” to keep it for training.</source>
            <translation>Danke! Es war {digit}. Hake „Meine Korrekturen speichern“ an, um sie fürs Training aufzuheben.</translation>
        </message>
        <message>
            <source>Thanks! Saved as a {digit} ({count} corrections so far).</source>
            <translation type="vanished">Danke! Als {digit} gespeichert (bisher {count} Korrekturen).</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="117" />
            <source>Thanks! Saved as {digit} (1 correction so far).</source>
            <translation>Danke! Als {digit} gespeichert (bisher 1 Korrektur).</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="119" />
            <source>Thanks! Saved as {digit} ({count} corrections so far).</source>
            <translation>Danke! Als {digit} gespeichert (bisher {count} Korrekturen).</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="76" />
            <source>The dense layer needs between {low} and {high} units, not {value}.</source>
            <translation>Die Dense-Schicht braucht zwischen {low} und {high} Neuronen, nicht {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="77" />
            <source>The dropout rate must be between {low} and {high}, not {value}.</source>
            <translation>Die Dropout-Rate muss zwischen {low} und {high} liegen, nicht bei {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="127" />
            <source>The model could not be opened: {e}</source>
            <translation>Das Modell konnte nicht geöffnet werden: {e}</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="139" />
            <source>The network learns from 60,000 handwritten digits (MNIST). Watch its filters form on the Network tab and its guess for your drawing improve while it trains.</source>
            <translation>Das Netz lernt aus 60.000 handgeschriebenen Ziffern (MNIST). Sieh im Reiter „Netz“ zu, wie seine Filter entstehen und wie seine Antwort auf deine Zeichnung beim Training besser wird.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="71" />
            <source>The network needs between {low} and {high} conv blocks, not {value}.</source>
            <translation>Das Netz braucht zwischen {low} und {high} Faltungsblöcke, nicht {value}.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="86" />
            <source>The network would have {params} parameters, more than the {limit} allowed here: switch pooling on or use fewer filters or dense units.</source>
            <translation>Das Netz hätte {params} Parameter, mehr als die hier erlaubten {limit}: Schalte Pooling ein oder nimm weniger Filter oder Dense-Neuronen.</translation>
        </message>
        <message>
            <location filename="../../gui/training/session.py" line="420" />
            <source>The new model cannot be used: {e}</source>
            <translation>Das neue Modell kann nicht verwendet werden: {e}</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="369" />
            <source>The new model is in use but could not be saved: {error}</source>
            <translation>Das neue Modell ist in Gebrauch, konnte aber nicht gespeichert werden: {error}</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="251" />
            <source>The new model is now in use.</source>
            <translation>Das neue Modell ist jetzt in Gebrauch.</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="103" />
            <source>There is no model to save.</source>
            <translation>Es gibt kein Modell zum Speichern.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="340" />
            <source>This network cannot be trained:</source>
            <translation>Dieses Netz lässt sich nicht trainieren:</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="156" />
            <source>Train on exactly one batch, then pause: see its loss and the filters it changed.</source>
            <translation>Trainiert genau einen Stapel und hält dann an: zeigt seinen Verlust und die Filter, die er geändert hat.</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="97" />
            <source>Train the default network for {epochs} epochs on all of MNIST</source>
            <translation>Das Standardnetz {epochs} Epochen lang auf ganz MNIST trainieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="132" />
            <source>Train the network</source>
            <translation>Das Netz trainieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="149" />
            <source>Train with these settings</source>
            <translation>Mit diesen Einstellungen trainieren</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="256" />
            <source>Training cancelled; the model that was in use is kept.</source>
            <translation>Training abgebrochen; das bisherige Modell bleibt in Gebrauch.</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="52" />
            <source>Training data</source>
            <translation>Trainingsdaten</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="68" />
            <source>Training failed</source>
            <translation>Training fehlgeschlagen</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="68" />
            <source>Training failed: {e}. The model that was in use is kept.</source>
            <translation>Training fehlgeschlagen: {e}. Das bisherige Modell bleibt in Gebrauch.</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="132" />
            <source>Training images</source>
            <translation>Trainingsbilder</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="94" />
            <source>Training is switched off here. The shipped model keeps working.</source>
            <translation>Training ist hier ausgeschaltet. Das mitgelieferte Modell funktioniert weiter.</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="99" />
            <source>Training needs MNIST, and the download failed (no network?). The shipped model keeps working.</source>
            <translation>Das Training braucht MNIST, und der Download ist fehlgeschlagen (kein Netzwerk?). Das mitgelieferte Modell funktioniert weiter.</translation>
        </message>
        <message>
            <location filename="../../gui/training/data_box.py" line="101" />
            <source>Training needs MNIST: download it first (needs the internet).</source>
            <translation>Das Training braucht MNIST: Lade es zuerst herunter (braucht Internet).</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="328" />
            <source>Training on one batch…</source>
            <translation>Trainiere einen Stapel…</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="60" />
            <source>Training stopped</source>
            <translation>Training gestoppt</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="61" />
            <source>Training stopped: the numbers blew up (the loss became NaN or infinite). The model that was in use is kept. Try a smaller learning rate.</source>
            <translation>Training gestoppt: Die Zahlen sind explodiert (der Verlust wurde NaN oder unendlich). Das bisherige Modell bleibt in Gebrauch. Versuche eine kleinere Lernrate.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="90" />
            <source>Training would need {mb} MB of memory per image, more than the {limit} MB allowed here: use fewer or smaller filters, or pool earlier.</source>
            <translation>Das Training bräuchte {mb} MB Speicher pro Bild, mehr als die hier erlaubten {limit} MB: Nimm weniger oder kleinere Filter oder poole früher.</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="238" />
            <source>Training {what}: 1 epoch, batch {batch}, learning rate {lr:g}…</source>
            <translation>Training {what}: 1 Epoche, Stapel {batch}, Lernrate {lr:g}…</translation>
        </message>
        <message>
            <source>Training {what}: {epochs} epoch(s), batch {batch}, learning rate {lr:g}…</source>
            <translation type="vanished">Training {what}: {epochs} Epoche(n), Stapel {batch}, Lernrate {lr:g}…</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="240" />
            <source>Training {what}: {epochs} epochs, batch {batch}, learning rate {lr:g}…</source>
            <translation>Training {what}: {epochs} Epochen, Stapel {batch}, Lernrate {lr:g}…</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="44" />
            <source>Training… watch the filters on the Network tab.</source>
            <translation>Training läuft… sieh dir die Filter im Reiter „Netz“ an.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="230" />
            <source>Units of the hidden dense layer before the 10 outputs (none: no hidden layer)</source>
            <translation>Neuronen der verborgenen Dense-Schicht vor den 10 Ausgaben (keine: keine verborgene Schicht)</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="64" />
            <source>Wrong? Tap the digit you meant:</source>
            <translation>Falsch? Tippe auf die Ziffer, die du gemeint hast:</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="109" />
            <source>a {0}</source>
            <translation>eine {0}</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="113" />
            <source>about {n} min</source>
            <translation>etwa {n} min</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="112" />
            <source>about {n} s</source>
            <translation>etwa {n} s</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="109" />
            <source>an {0}</source>
            <translation>eine {0}</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="255" />
            <source>cancelled</source>
            <translation>abgebrochen</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="42" />
            <source>default: 16 + 32 filters (the shipped network)</source>
            <translation>default: 16 + 32 Filter (das mitgelieferte Netz)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="246" />
            <source>done · {acc:.1%} test accuracy</source>
            <translation>fertig · {acc:.1%} Testgenauigkeit</translation>
        </message>
        <message>
            <location filename="../../gui/training/curves.py" line="44" />
            <source>epoch</source>
            <translation>Epoche</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="278" />
            <source>fine-tuning the model in use</source>
            <translation>Nachtraining des aktuellen Modells</translation>
        </message>
        <message>
            <location filename="../../gui/training/model_box.py" line="87" />
            <source>no model</source>
            <translation>kein Modell</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="229" />
            <source>none</source>
            <translation>keine</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="132" />
            <source>ready</source>
            <translation>bereit</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="354" />
            <source>roughly {duration} to train and test (measuring this network…)</source>
            <translation>grob {duration} für Training und Test (dieses Netz wird gemessen…)</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="209" />
            <source>same (keeps the size)</source>
            <translation>same (behält die Größe)</translation>
        </message>
        <message>
            <location filename="../../gui/training/form.py" line="43" />
            <source>small: 8 + 16 filters (faster)</source>
            <translation>small: 8 + 16 Filter (schneller)</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="236" />
            <source>starting…</source>
            <translation>startet…</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="376" />
            <source>stopped</source>
            <translation>gestoppt</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="282" />
            <source>the {preset} network</source>
            <translation>das Netz „{preset}“</translation>
        </message>
        <message>
            <location filename="../../gui/training/curves.py" line="72" />
            <source>training</source>
            <translation>Training</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="358" />
            <source>training time: measured when you change the network</source>
            <translation>Trainingszeit: wird gemessen, sobald du das Netz änderst</translation>
        </message>
        <message>
            <location filename="../../gui/training/results.py" line="140" />
            <source>true {t}, read as {p}: {n}</source>
            <translation>echt {t}, gelesen als {p}: {n}</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="210" />
            <source>valid (shrinks the map)</source>
            <translation>valid (verkleinert die Karte)</translation>
        </message>
        <message>
            <location filename="../../gui/training/curves.py" line="73" />
            <source>validation</source>
            <translation>Validierung</translation>
        </message>
        <message>
            <location filename="../../gui/training/panel.py" line="280" />
            <source>your own network</source>
            <translation>dein eigenes Netz</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="350" />
            <source>{duration} to train and test on this machine</source>
            <translation>{duration} für Training und Test auf diesem Rechner</translation>
        </message>
        <message>
            <location filename="../../gui/training/corrections.py" line="180" />
            <source>{n} saved corrections. Tick “Fine-tune … on my corrections” in the advanced settings to train on them.</source>
            <translation>{n} gespeicherte Korrekturen. Hake „… mit meinen Korrekturen nachtrainieren“ in den erweiterten Einstellungen an, um damit zu trainieren.</translation>
        </message>
        <message>
            <location filename="../../gui/training/architecture_editor.py" line="343" />
            <source>{params} parameters · {mflop} MFLOP per image</source>
            <translation>{params} Parameter · {mflop} MFLOP pro Bild</translation>
        </message>
        <message>
            <location filename="../../gui/training/run_status.py" line="230" />
            <source>{pct}% · epoch {epoch}/{epochs} · {eta} left</source>
            <translation>{pct} % · Epoche {epoch}/{epochs} · noch {eta}</translation>
        </message>
    </context>
    <context>
        <name>WhyPanel</name>
        <message>
            <location filename="../../gui/why/panel.py" line="456" />
            <source>Adversarial nudge</source>
            <translation>Gezielter Schubs</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="972" />
            <source>Best this session: {0} pixels</source>
            <translation>Bestwert bisher: {0} Pixel</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="420" />
            <source>Colour the drawing by how much each part pushes the answer</source>
            <translation>Die Zeichnung danach einfärben, wie stark jeder Teil die Antwort beeinflusst</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="509" />
            <source>Draw a digit first</source>
            <translation>Zeichne zuerst eine Ziffer</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="982" />
            <source>Draw a digit first.</source>
            <translation>Zeichne zuerst eine Ziffer.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="434" />
            <source>Draw a digit, choose the right answer and press Teach: the network takes one small learning step on your drawing alone. Undo teaching puts the weights back exactly.</source>
            <translation>Zeichne eine Ziffer, wähle die richtige Antwort und drücke „Beibringen“: Das Netz macht einen kleinen Lernschritt nur mit deiner Zeichnung. „Beibringen rückgängig“ stellt die Gewichte exakt wieder her.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="906" />
            <source>First draw a digit it reads well.</source>
            <translation>Zeichne zuerst eine Ziffer, die es sicher erkennt.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="416" />
            <source>Fool it</source>
            <translation>Austricksen</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="447" />
            <source>Fool the network: start from a digit it reads well, then add as little ink as you can until it reads another digit.</source>
            <translation>Trickse das Netz aus: Beginne mit einer Ziffer, die es sicher erkennt, und füge so wenig Tinte wie möglich hinzu, bis es eine andere Ziffer liest.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="958" />
            <source>Fooled! {0} pixels of ink turned {1} into {2}.</source>
            <translation>Ausgetrickst! {0} Pixel Tinte haben aus {1} eine {2} gemacht.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="520" />
            <source>For every conv filter, the picture that excites it most (found by gradient ascent)</source>
            <translation>Für jeden Conv-Filter das Bild, das ihn am stärksten anregt (per Gradientenaufstieg gefunden)</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="444" />
            <source>How each filter changes (red: weights grow, blue: they shrink), conv1 and conv2:</source>
            <translation>Wie sich jeder Filter ändert (rot: Gewichte wachsen, blau: sie schrumpfen), conv1 und conv2:</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="965" />
            <source>Ink added: {0} pixels. It still reads {1}.</source>
            <translation>Hinzugefügte Tinte: {0} Pixel. Es liest immer noch {1}.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="951" />
            <source>It reads {0}. Add ink until it reads another digit.</source>
            <translation>Es liest {0}. Füge Tinte hinzu, bis es eine andere Ziffer liest.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="804" />
            <source>Left: the filter's weights (red positive, blue negative). Right: the picture that excites it most.</source>
            <translation>Links: die Gewichte des Filters (rot positiv, blau negativ). Rechts: das Bild, das ihn am stärksten anregt.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="458" />
            <source>Let the computer find the smallest change of every pixel that flips the answer</source>
            <translation>Den Computer die kleinste Änderung aller Pixel suchen lassen, die die Antwort kippt</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="997" />
            <source>Looking for the smallest change…</source>
            <translation>Suche die kleinste Änderung …</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="780" />
            <source>Looking for what each filter wants to see…</source>
            <translation>Suche, was jeder Filter sehen will …</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="786" />
            <source>Looking for what the filters of {0} want to see…</source>
            <translation>Suche, was die Filter von {0} sehen wollen …</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="421" />
            <source>Method:</source>
            <translation>Verfahren:</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="483" />
            <source>Needs the NumPy network: this ONNX model has no .npz twin next to it. Open a .npz model or one trained in ConvLens.</source>
            <translation>Braucht das NumPy-Netz: Neben diesem ONNX-Modell liegt kein .npz-Zwilling. Öffne ein .npz-Modell oder eines, das in ConvLens trainiert wurde.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="1018" />
            <source>No pixel moved by more than {0}%, and it reads {1} instead of {2}.</source>
            <translation>Kein Pixel hat sich um mehr als {0} % verändert, und es liest {1} statt {2}.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="1023" />
            <source>No small change flips this answer.</source>
            <translation>Keine kleine Änderung kippt diese Antwort.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="746" />
            <source>Not available: this model has no NumPy network.</source>
            <translation>Nicht verfügbar: Dieses Modell hat kein NumPy-Netz.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="495" />
            <source>Occlusion works for any model; gradient needs the NumPy network</source>
            <translation>Verdecken funktioniert mit jedem Modell; Gradient braucht das NumPy-Netz</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="508" />
            <source>One learning step on this drawing</source>
            <translation>Ein Lernschritt mit dieser Zeichnung</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="442" />
            <source>Probabilities: grey before, blue after teaching</source>
            <translation>Wahrscheinlichkeiten: grau vorher, blau nach dem Beibringen</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="431" />
            <source>Rank the feature maps by their part in the answer</source>
            <translation>Merkmalskarten nach ihrem Anteil an der Antwort ordnen</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="425" />
            <source>Red ink pushes the network towards its answer, blue ink pushes it away. Occlusion covers small patches of the drawing and watches the answer drop (works for any model). Gradient asks the network itself how each pixel moves its answer (needs the NumPy network).</source>
            <translation>Rote Tinte spricht für die Antwort des Netzes, blaue dagegen. Verdecken deckt kleine Stücke der Zeichnung ab und beobachtet, wie die Antwort sinkt (funktioniert mit jedem Modell). Gradient fragt das Netz selbst, wie jedes Pixel seine Antwort bewegt (braucht das NumPy-Netz).</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="432" />
            <source>Show what each filter looks for</source>
            <translation>Zeigen, wonach jeder Filter sucht</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="455" />
            <source>Show where it looks</source>
            <translation>Zeigen, wohin es schaut</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="453" />
            <source>Start the challenge</source>
            <translation>Herausforderung starten</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="894" />
            <source>Steps taught: {0} (not saved).</source>
            <translation>Beigebrachte Schritte: {0} (nicht gespeichert).</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="453" />
            <source>Stop the challenge</source>
            <translation>Herausforderung beenden</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="887" />
            <source>Taught {0}: its probability went from {1} to {2}.</source>
            <translation>{0} beigebracht: Die Wahrscheinlichkeit stieg von {1} auf {2}.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="416" />
            <source>Teach</source>
            <translation>Beibringen</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="515" />
            <source>Teaching is not available for this model.</source>
            <translation>Beibringen ist mit diesem Modell nicht möglich.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="696" />
            <source>The maps of {0} that pushed most towards {1}, best first:</source>
            <translation>Die Karten von {0}, die am stärksten für {1} sprachen, die stärkste zuerst:</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="1033" />
            <source>The nudge failed: {0}</source>
            <translation>Der Schubs ist fehlgeschlagen: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="893" />
            <source>The original network is back.</source>
            <translation>Das ursprüngliche Netz ist zurück.</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="811" />
            <source>The pictures could not be computed: {0}</source>
            <translation>Die Bilder konnten nicht berechnet werden: {0}</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="439" />
            <source>The right digit:</source>
            <translation>Die richtige Ziffer:</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="441" />
            <source>Undo teaching</source>
            <translation>Beibringen rückgängig</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="416" />
            <source>What filters look for</source>
            <translation>Wonach Filter suchen</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="416" />
            <source>Where it looks</source>
            <translation>Wohin es schaut</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="503" />
            <source>Which pooled maps helped the answer most (Grad-CAM weights)</source>
            <translation>Welche gepoolten Karten der Antwort am meisten halfen (Grad-CAM-Gewichte)</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="415" />
            <source>Why?</source>
            <translation>Warum?</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="423" />
            <source>gradient</source>
            <translation>Gradient</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="422" />
            <source>occlusion</source>
            <translation>Verdecken</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="1013" />
            <source>reads {0} ({1})</source>
            <translation>liest {0} ({1})</translation>
        </message>
        <message>
            <location filename="../../gui/why/panel.py" line="1026" />
            <source>the change</source>
            <translation>die Änderung</translation>
        </message>
    </context>
    <context>
        <name>_Legend</name>
        <message>
            <location filename="../../gui/panels/filters.py" line="79" />
            <source>Filter weights: blue negative, white zero, red positive (each layer scaled to its ±max)</source>
            <translation>Filtergewichte: blau negativ, weiß null, rot positiv (jede Schicht auf ihr ±Maximum skaliert)</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="96" />
            <source>neg</source>
            <translation>neg</translation>
        </message>
        <message>
            <location filename="../../gui/panels/filters.py" line="96" />
            <source>pos</source>
            <translation>pos</translation>
        </message>
    </context>
</TS>
