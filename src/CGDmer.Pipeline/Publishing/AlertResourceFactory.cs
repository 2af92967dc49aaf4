using System.Security.Cryptography;
using System.Text;
using CGDmer.Contracts;
using CGDmer.Pipeline.Interpretation;
using Hl7.Fhir.Model;

namespace CGDmer.Pipeline.Publishing;

/// <summary>
/// An alert event as a FHIR R4 resource, following IHE ITI Mobile Alert Communication Management (mACM): the alert is a
/// <c>CommunicationRequest</c> (category <c>alert</c>) that an alert manager disseminates. One resource per alert, with a
/// deterministic id: its onset creates it, updates and the end PUT it again (status active, then completed), so a
/// server holds the alert's latest state. Pure and deterministic like <see cref="ObservationFactory"/>.
/// </summary>
/// <remarks>
/// Mapping (see Publishing/README.md): identifier = the alert id; status active (onset, update) or completed (end);
/// category = communication-category#alert; priority high → stat, medium → asap, low → routine; subject = the patient as
/// the Observations name it; reasonCode = the alert's code (SNOMED CT, with its MDC event code where there is one, or
/// the project's code for technical alerts); payload = the alert's text; occurrence = onset (a period onset–end once
/// ended); authoredOn = when the event was observed; requester = the model's Device (clinical) or the bedside monitor's
/// (technical); about = the EKG-impression Observations the alert rests on.
/// </remarks>
public sealed class AlertResourceFactory
{
    public const string CommunicationCategorySystem = "http://terminology.hl7.org/CodeSystem/communication-category";

    private readonly PublishingOptions _options;
    private readonly ResourceReference _modelDevice;
    private readonly CodeableConcept _alertCategory = new(CommunicationCategorySystem, "alert", "Alert");

    public AlertResourceFactory(PublishingOptions options, Device modelDevice)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelDevice);
        _options = options.Validate();
        _modelDevice = new ResourceReference("Device/" + modelDevice.Id);
    }

    /// <summary>The resource id of an alert: <c>alert-</c> + the alert id (already a 32-character hex hash).</summary>
    public static string ResourceId(string alertId) =>
        "alert-" + (alertId.Length <= 58 && alertId.All(char.IsAsciiLetterOrDigit)
            ? alertId
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alertId)).AsSpan(0, 16)));

    /// <summary>The alert's CommunicationRequest as of <paramref name="alert"/>.</summary>
    public CommunicationRequest Create(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        bool ended = alert.Event == AlertVocabulary.End;
        bool clinical = alert.Kind == AlertVocabulary.Clinical;
        var request = new CommunicationRequest
        {
            Id = ResourceId(alert.AlertId),
            Identifier = [new Identifier(_options.AlertIdentifierSystem, alert.AlertId)],
            Status = ended ? RequestStatus.Completed : RequestStatus.Active,
            Category = [_alertCategory],
            Priority = alert.Priority switch { "high" => RequestPriority.Stat, "medium" => RequestPriority.Asap, _ => RequestPriority.Routine },
            Subject = ObservationFactory.SubjectReference(alert.PatientId, _options),
            ReasonCode = [ReasonCode(alert)],
            Payload = [new CommunicationRequest.PayloadComponent { Content = new FhirString(Text(alert)) }],
            Occurrence = ended && alert.End is { } end
                ? new Period { Start = AlertIds.FormatTime(alert.Onset), End = AlertIds.FormatTime(end) }
                : new FhirDateTime(AlertIds.FormatTime(alert.Onset)),
            AuthoredOn = AlertIds.FormatTime(alert.ObservedAt),
            Requester = clinical ? _modelDevice : DeviceFactory.MonitorReference(alert.DeviceId, _options),
        };
        foreach (var id in alert.ObservationIds) request.About.Add(new ResourceReference("Observation/" + id));
        return request;
    }

    private CodeableConcept ReasonCode(AlertEvent alert)
    {
        var concept = new CodeableConcept { Text = alert.Display };
        if (AlertVocabulary.IsPhysiological(alert.Kind) && alert.SnomedCt is { } sct)
        {
            concept.Coding.Add(new Coding(ObservationFactory.SnomedCt, sct, alert.Display));
            if (AlertVocabulary.MdcEvent(alert.Kind, alert.Code) is { } mdc)
                concept.Coding.Add(new Coding(MdcCode.FhirSystem, mdc.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), mdc.ReferenceId));
        }
        else concept.Coding.Add(new Coding(_options.ProjectCodeSystem, alert.Code, alert.Display));
        return concept;
    }

    private static string Text(AlertEvent alert)
    {
        string phase = alert.Event switch { AlertVocabulary.Onset => "onset", AlertVocabulary.End => "ended", _ => "ongoing" };
        string probability = alert.Probability is { } p && double.IsFinite(p) ? $", probability {p:0.00}" : "";
        string rate = alert.HeartRateBpm is { } bpm && double.IsFinite(bpm) ? $", heart rate {bpm:0} /min" : "";
        return $"{alert.Display} ({alert.Kind.Replace('_', '-')} alert, {alert.Priority} priority, {phase}{probability}{rate})";
    }
}
