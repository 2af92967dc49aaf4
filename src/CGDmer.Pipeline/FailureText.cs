namespace CGDmer.Pipeline;

/// <summary>An exception as the one-line reason a window carries: its type and the first line of its message, at most 300 characters.</summary>
internal static class FailureText
{
    public static string Of(Exception e)
    {
        var message = e.Message;
        int nl = message.IndexOf('\n');
        if (nl >= 0) message = message[..nl];
        if (message.Length > 300) message = message[..300];
        return $"{e.GetType().Name}: {message.Trim()}";
    }
}
