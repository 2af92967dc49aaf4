using System.Net;

namespace CGDmer.Transports.Fhir;

/// <summary>
/// A resource the FHIR server did not accept: refused for good (a permanent status such as 400, 401, 403, 404, 409, 412,
/// 422) or still failing after every retry. The message names the resource type and id (ids are hashes, not patient
/// data), the status and the server's OperationOutcome text with the patient id redacted.
/// </summary>
public sealed class FhirWriteException : Exception
{
    public FhirWriteException(string message, string resourceType, string resourceId, HttpStatusCode? status, bool transient, Exception? inner = null)
        : base(message, inner)
    {
        ResourceType = resourceType;
        ResourceId = resourceId;
        StatusCode = status;
        Transient = transient;
    }

    public string ResourceType { get; }
    public string ResourceId { get; }
    /// <summary>The last response's status; null when none came (timeout, network error).</summary>
    public HttpStatusCode? StatusCode { get; }
    /// <summary>True when the retries were exhausted on transient failures; false for a permanent refusal.</summary>
    public bool Transient { get; }
}
