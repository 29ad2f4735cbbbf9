using System.Globalization;
using System.Net;
using System.Text;

namespace LatentCycles.Cli.Reporting;

/// <summary>A table of the report: header cells and rows of already formatted cells.</summary>
public sealed record ReportTable(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>What <see cref="ReportWriter.Write"/> wrote: every path, and the figures it rendered.</summary>
public sealed record WrittenReport(IReadOnlyList<string> Paths, IReadOnlyList<Figure> Figures);

/// <summary>One data set's part of a report over several data sets: its report, written to <paramref name="Subdirectory"/>.</summary>
/// <param name="Name">The data set's name.</param>
/// <param name="Subdirectory">Where the part's own report and figures are, relative to the combined report.</param>
public sealed record DataSetPart(string Name, string Subdirectory, ExperimentReport Report, IReadOnlyList<Figure> Figures);

/// <summary>
/// Writes a report directory: <c>figures/*.png</c>, <c>report.md</c> (linking the figures) and <c>report.html</c>
/// (self-contained: the figures inlined as base64 PNG). Both documents show the same tables, built once here.
/// </summary>
public static class ReportWriter
{
    public const string FigureDirectory = "figures";
    public const string MarkdownFileName = "report.md";
    public const string HtmlFileName = "report.html";
    public const string Missing = "—";

    /// <summary>
    /// Renders the figures and writes every file, replacing existing ones only with <paramref name="force"/> (every path is
    /// checked by <see cref="OutputFile"/> before the first is written).
    /// </summary>
    public static WrittenReport Write(string directory, ExperimentReport report, bool force)
    {
        var markdown = OutputFile.Claim(Path.Combine(directory, MarkdownFileName), force);
        var html = OutputFile.Claim(Path.Combine(directory, HtmlFileName), force);
        var figures = ReportFigures.Render(report);
        var figurePaths = figures.Select(f => OutputFile.Claim(Path.Combine(directory, FigureDirectory, f.FileName), force)).ToList();
        var written = new List<string>();
        foreach (var (figure, path) in figures.Zip(figurePaths))
        {
            OutputFile.Write(path, force, stream => stream.Write(figure.Png));
            written.Add(path);
        }
        WriteText(markdown, Markdown(report, figures), force);
        WriteText(html, Html(report, figures), force);
        written.Add(markdown);
        written.Add(html);
        return new WrittenReport(written, figures);
    }

    /// <summary>
    /// The report of an experiment over several data sets: per data set one section with its description, its model and
    /// run tables and its figures (from the part's own <c>figures/</c>, inlined in the HTML). Existing files are replaced only
    /// with <paramref name="force"/>. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> WriteCombined(string directory, string title, IReadOnlyList<DataSetPart> parts, bool force)
    {
        var markdownPath = OutputFile.Claim(Path.Combine(directory, MarkdownFileName), force);
        var htmlPath = OutputFile.Claim(Path.Combine(directory, HtmlFileName), force);
        var markdown = new StringBuilder();
        markdown.Append("# ").AppendLine(title).AppendLine();
        markdown.AppendLine(TableNote).AppendLine();
        var html = new StringBuilder();
        AppendHtmlHead(html, title);
        html.Append("<p>").Append(Encode(TableNote)).AppendLine("</p>");
        foreach (var part in parts)
        {
            var figurePath = $"{part.Subdirectory}/{FigureDirectory}";
            markdown.Append("## ").AppendLine(part.Name).AppendLine();
            AppendMarkdownBody(markdown, part.Report, part.Figures, "###", figurePath, withNote: false);
            html.Append("<h2>").Append(Encode(part.Name)).AppendLine("</h2>");
            AppendHtmlBody(html, part.Report, part.Figures, "h3", withNote: false);
        }
        html.AppendLine("</body></html>");
        WriteText(markdownPath, markdown.ToString(), force);
        WriteText(htmlPath, html.ToString(), force);
        return [markdownPath, htmlPath];
    }

    private static void WriteText(string path, string text, bool force) =>
        OutputFile.Write(path, force, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// One row per model, then the EM ceiling: final test log-likelihood (mean ± standard deviation over seeds) and its gap to
    /// the ceiling's mean, entropy production, mean self-transition, class-histogram KL and wall time.
    /// </summary>
    public static ReportTable ModelTable(ExperimentReport report)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var m in ModelSummary.ByModel(report))
            rows.Add([
                m.Model,
                $"{m.EvaluatedRuns}/{m.Runs}",
                Format(m.TestLogLikelihood, "0.00"),
                m.GapToCeiling is { } gap ? Signed(gap, "0.00") : Missing,
                Format(m.EntropyProduction, "G3"),
                Format(m.SelfTransition, "0.000"),
                Format(m.ClassKl, "0.000"),
                Format(m.WallSeconds, "0.0"),
            ]);
        if (ModelSummary.Ceiling(report) is { } ceiling)
            rows.Add([
                "Bernoulli mixture, EM (ceiling)",
                $"{ceiling.Count}/{ceiling.Count}",
                Format(ceiling, "0.00"),
                Signed(0, "0.00"), Missing, Missing, Missing, Missing,
            ]);
        return new ReportTable(
            ["model", "evaluated runs", "test log-likelihood (nats/image)", "gap to EM ceiling (nats)", "entropy production σ (nats/step)",
                "mean self-transition", "class-histogram KL (nats)", "wall time (s)"],
            rows);
    }

    /// <summary>One row per run, with the Monte Carlo standard error of its own test log-likelihood.</summary>
    public static ReportTable RunTable(ExperimentReport report)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var run in report.Runs)
        {
            var final = run.Final;
            rows.Add([
                run.Model,
                run.Seed.ToString(CultureInfo.InvariantCulture),
                final is null ? Missing : final.Round.ToString(CultureInfo.InvariantCulture),
                final is null ? Missing : $"{Number(final.TestLogLikelihood, "0.00")} ± {Number(final.TestLogLikelihoodError, "G2")}",
                final?.Observables.EntropyProduction is { } sigma ? Number(sigma, "G3") : Missing,
                final is null ? Missing : Number(final.Observables.MeanSelfTransition, "0.000"),
                final?.ClassKl is { } kl ? Number(kl, "0.000") : Missing,
                run.WallSeconds is { } seconds ? Number(seconds, "0.0") : Missing,
            ]);
        }
        foreach (var ceiling in report.Ceilings)
            rows.Add([
                "Bernoulli mixture, EM", ceiling.Seed.ToString(CultureInfo.InvariantCulture), Missing,
                $"{Number(ceiling.TestLogLikelihood, "0.00")} (train {Number(ceiling.TrainLogLikelihood, "0.00")})",
                Missing, Missing, Missing, Missing,
            ]);
        return new ReportTable(
            ["model", "seed", "rounds", "test log-likelihood ± MC s.e. (nats/image)", "entropy production σ (nats/step)",
                "mean self-transition", "class-histogram KL (nats)", "wall time (s)"],
            rows);
    }

    private const string TableNote =
        "Values are means ± standard deviation over seeds (— where not available). Gap: mean test log-likelihood minus that of the " +
        "K-component Bernoulli mixture fitted by EM, the maximum-likelihood member of the model family (MODEL.md §7); " +
        "negative means below the ceiling. Entropy production and self-transitions come from a fresh Monte Carlo estimate of " +
        "the latent kernel M (MODEL.md §4). Class-histogram KL: KL(test labels ‖ classifier labels of generated samples) (MODEL.md §5).";

    public static string Markdown(ExperimentReport report, IReadOnlyList<Figure> figures)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(report.Title).AppendLine();
        AppendMarkdownBody(text, report, figures, "##", FigureDirectory, withNote: true);
        return text.ToString();
    }

    public static string Html(ExperimentReport report, IReadOnlyList<Figure> figures)
    {
        var text = new StringBuilder();
        AppendHtmlHead(text, report.Title);
        AppendHtmlBody(text, report, figures, "h2", withNote: true);
        text.AppendLine("</body></html>");
        return text.ToString();
    }

    /// <summary>Description, tables and figures of one report under headings of level <paramref name="heading"/>.</summary>
    private static void AppendMarkdownBody(StringBuilder text, ExperimentReport report, IReadOnlyList<Figure> figures, string heading,
        string figurePath, bool withNote)
    {
        var subheading = heading + "#";
        text.AppendLine(report.Description).AppendLine();
        text.Append(heading).AppendLine(" Results by model").AppendLine();
        AppendMarkdownTable(text, ModelTable(report));
        if (withNote) text.AppendLine().AppendLine(TableNote);
        text.AppendLine();
        text.Append(heading).AppendLine(" Runs").AppendLine();
        AppendMarkdownTable(text, RunTable(report));
        text.AppendLine().Append(heading).AppendLine(" Figures").AppendLine();
        foreach (var figure in figures)
        {
            text.Append(subheading).Append(' ').AppendLine(figure.Title).AppendLine();
            text.Append("![").Append(figure.Title).Append("](").Append(figurePath).Append('/').Append(figure.FileName).AppendLine(")").AppendLine();
            text.AppendLine(figure.Caption).AppendLine();
        }
    }

    private static void AppendHtmlHead(StringBuilder text, string title)
    {
        text.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        text.Append("<title>").Append(Encode(title)).AppendLine("</title>");
        text.AppendLine("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}" +
                        "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}" +
                        "th{background:#eee}td:first-child,th:first-child{text-align:left}figure{margin:2em 0}" +
                        "img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;margin-top:.4em}</style>");
        text.AppendLine("</head><body>");
        text.Append("<h1>").Append(Encode(title)).AppendLine("</h1>");
    }

    /// <summary>The HTML twin of <see cref="AppendMarkdownBody"/>, figures inlined.</summary>
    private static void AppendHtmlBody(StringBuilder text, ExperimentReport report, IReadOnlyList<Figure> figures, string heading, bool withNote)
    {
        var subheading = "h" + (heading[1] - '0' + 1);
        text.Append("<p>").Append(Encode(report.Description)).AppendLine("</p>");
        text.Append('<').Append(heading).Append(">Results by model</").Append(heading).AppendLine(">");
        AppendHtmlTable(text, ModelTable(report));
        if (withNote) text.Append("<p>").Append(Encode(TableNote)).AppendLine("</p>");
        text.Append('<').Append(heading).Append(">Runs</").Append(heading).AppendLine(">");
        AppendHtmlTable(text, RunTable(report));
        text.Append('<').Append(heading).Append(">Figures</").Append(heading).AppendLine(">");
        foreach (var figure in figures)
        {
            text.Append("<figure><").Append(subheading).Append('>').Append(Encode(figure.Title)).Append("</").Append(subheading).AppendLine(">");
            text.Append("<img alt=\"").Append(Encode(figure.Title)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(figure.Png)).AppendLine("\">");
            text.Append("<figcaption>").Append(Encode(figure.Caption)).AppendLine("</figcaption></figure>");
        }
    }

    private static void AppendMarkdownTable(StringBuilder text, ReportTable table)
    {
        text.Append("| ").AppendJoin(" | ", table.Headers.Select(EscapeMarkdown)).AppendLine(" |");
        text.Append('|').AppendJoin('|', table.Headers.Select((_, c) => c == 0 ? "---" : "---:")).AppendLine("|");
        foreach (var row in table.Rows)
            text.Append("| ").AppendJoin(" | ", row.Select(EscapeMarkdown)).AppendLine(" |");
    }

    private static void AppendHtmlTable(StringBuilder text, ReportTable table)
    {
        text.Append("<table><thead><tr>");
        foreach (var header in table.Headers) text.Append("<th>").Append(Encode(header)).Append("</th>");
        text.AppendLine("</tr></thead><tbody>");
        foreach (var row in table.Rows)
        {
            text.Append("<tr>");
            foreach (var cell in row) text.Append("<td>").Append(Encode(cell)).Append("</td>");
            text.AppendLine("</tr>");
        }
        text.AppendLine("</tbody></table>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string EscapeMarkdown(string text) => text.Replace("|", "\\|");

    /// <summary>"mean ± sd" over seeds; the mean alone for one value; <see cref="Missing"/> for none.</summary>
    internal static string Format(Spread? spread, string format) =>
        spread is null ? Missing
        : spread.StandardDeviation is { } sd ? $"{Number(spread.Mean, format)} ± {Number(sd, format)}"
        : Number(spread.Mean, format);

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Signed(double value, string format) => (value >= 0 ? "+" : "") + Number(value, format);
}
