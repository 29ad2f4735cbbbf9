using System.Globalization;
using LatentCycles.Core.Observables;
using ScottPlot;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// The latent current graph (MODEL.md §4): the K latent states on a circle (marker area ∝ π(z)), one arrow per pair in the
/// direction of the net current J(z,z′) &gt; 0 with width ∝ |J| (currents under a tenth of the largest left out), and the
/// strongest 3-cycles among well-visited states, each shaded and named outside the ring of states, in the direction of its
/// centroid, where no arrow runs (arrows are chords inside the ring).
/// </summary>
internal static class CurrentGraph
{
    private const double NodeRadius = 0.11;
    private const float MaxArrowWidth = 12, MaxNodeSize = 46, MinNodeSize = 18;

    /// <summary>Currents below this fraction of the largest are left out: they would be hairlines that hide the structure.</summary>
    private const double ShownCurrentFraction = 0.1;

    private const int LabelledCycles = 3;

    /// <summary>
    /// Cycles through states the chain hardly visits can have large affinities yet carry no current; only cycles whose
    /// states all have π(z) at least this fraction of the uniform 1/K are labelled.
    /// </summary>
    public const double LabelledStateWeight = 0.2;

    public static byte[] Render(RunRecord run, RunEvaluation final)
    {
        var observables = final.Observables;
        var k = observables.K;
        var sigma = observables.EntropyProduction is { } s ? $"σ = {s.ToString("G3", CultureInfo.InvariantCulture)} nats/step" : "σ undefined";
        var plot = ReportFigures.NewPlot($"Latent probability currents, {run.Label} ({sigma})", "", "");
        var positions = Enumerable.Range(0, k)
            .Select(z => new Coordinates(Math.Cos(Math.PI / 2 - 2 * Math.PI * z / k), Math.Sin(Math.PI / 2 - 2 * Math.PI * z / k)))
            .ToArray();

        var maxCurrent = observables.MaxAbsCurrent;
        var arrowColour = new Color(60, 90, 160);
        if (maxCurrent > 0)
            for (var z = 0; z < k; z++)
                for (var j = 0; j < k; j++)
                {
                    var current = observables.Currents[z * k + j];
                    if (current <= 0 || current < ShownCurrentFraction * maxCurrent) continue;
                    var width = (float)(1 + (MaxArrowWidth - 1) * current / maxCurrent);
                    var (from, to) = Shorten(positions[z], positions[j]);
                    var arrow = plot.Add.Arrow(from, to);
                    arrow.ArrowFillColor = arrowColour.WithAlpha(0.85);
                    arrow.ArrowLineColor = arrowColour;
                    arrow.ArrowLineWidth = 0;
                    arrow.ArrowWidth = width;
                    arrow.ArrowheadWidth = width * 2.6f + 6;
                    arrow.ArrowheadLength = width * 2.2f + 8;
                    arrow.ArrowheadAxisLength = width * 2.2f + 8;
                }

        var maxPi = observables.StationaryDistribution.Max();
        for (var z = 0; z < k; z++)
        {
            var size = (float)(MinNodeSize + (MaxNodeSize - MinNodeSize) * Math.Sqrt(observables.StationaryDistribution[z] / maxPi));
            plot.Add.Marker(positions[z], MarkerShape.FilledCircle, size, new Color(240, 140, 40));
            var label = plot.Add.Text(z.ToString(CultureInfo.InvariantCulture), positions[z]);
            label.Alignment = Alignment.MiddleCenter;
            label.LabelFontSize = 15;
            label.LabelBold = true;
            label.LabelFontColor = Colors.Black;
        }

        var legend = new List<string>();
        var cycles = observables.StrongestTriangles
            .Where(t => t.Nodes.All(n => observables.StationaryDistribution[n] >= LabelledStateWeight / k))
            .Take(LabelledCycles).ToList();
        for (var c = 0; c < cycles.Count; c++)
        {
            var nodes = cycles[c].Nodes;
            var name = $"A{Subscript(c + 1)}";
            var shade = plot.Add.Polygon(nodes.Select(n => positions[n]).ToArray());
            shade.FillColor = CycleColours[c].WithAlpha(0.12);
            shade.LineColor = CycleColours[c].WithAlpha(0.5);
            shade.LineWidth = 1;
            var tag = plot.Add.Text(name, LabelPosition(nodes, positions, observables.StationaryDistribution));
            tag.Alignment = Alignment.MiddleCenter;
            tag.LabelFontSize = 16;
            tag.LabelBold = true;
            tag.LabelFontColor = CycleColours[c];
            tag.LabelBackgroundColor = Colors.White.WithAlpha(0.8);
            legend.Add($"{name} = {Affinity(cycles[c].Affinity)} nats on {string.Join("→", nodes.Append(nodes[0]))}");
        }
        if (legend.Count > 0)
        {
            var box = plot.Add.Text("strongest 3-cycle affinities\n" + string.Join("\n", legend), -1.45, TopEdge - 0.05);
            box.Alignment = Alignment.UpperLeft;
            box.LabelFontSize = 13;
            box.LabelBackgroundColor = Colors.White.WithAlpha(0.9);
            box.LabelBorderColor = Colors.Gray;
            box.LabelBorderWidth = 1;
            box.LabelPadding = 6;
        }
        var note = plot.Add.Text($"arrow width ∝ |J|; widest |J| = {maxCurrent.ToString("G3", CultureInfo.InvariantCulture)} per step;\nnode area ∝ π(z)", 1.45, -1.45);
        note.Alignment = Alignment.LowerRight;
        note.LabelFontSize = 12;
        note.LabelFontColor = Colors.DimGray;

        plot.Axes.SetLimits(-1.5, 1.5, -1.5, TopEdge);
        plot.Axes.SquareUnits();
        ReportFigures.HideAxes(plot);
        return ReportFigures.Png(plot, 860, 1000);
    }

    /// <summary>Room above the ring for the legend of cycles, so it covers neither states nor cycle names.</summary>
    private const double TopEdge = 2.0;

    /// <summary>Cycle names sit this far from the centre, just outside the ring of states (radius 1).</summary>
    private const double LabelRadius = 1.28;

    private static readonly Color[] CycleColours = [new(170, 20, 20), new(20, 120, 60), new(130, 40, 150)];

    /// <summary>
    /// Outside the ring in the direction of the cycle's centroid; a centroid at the centre has no direction, so then the
    /// direction of the cycle's most visited state.
    /// </summary>
    private static Coordinates LabelPosition(int[] nodes, Coordinates[] positions, double[] pi)
    {
        double x = nodes.Average(n => positions[n].X), y = nodes.Average(n => positions[n].Y);
        if (Math.Sqrt(x * x + y * y) < 0.05)
        {
            var heaviest = nodes.MaxBy(n => pi[n]);
            (x, y) = (positions[heaviest].X, positions[heaviest].Y);
        }
        var length = Math.Sqrt(x * x + y * y);
        return new Coordinates(LabelRadius * x / length, LabelRadius * y / length);
    }

    /// <summary>The segment between two node centres, cut back by the node radius at both ends so arrows start and end at the rims.</summary>
    private static (Coordinates From, Coordinates To) Shorten(Coordinates from, Coordinates to)
    {
        double dx = to.X - from.X, dy = to.Y - from.Y, length = Math.Sqrt(dx * dx + dy * dy);
        double ux = dx / length, uy = dy / length;
        return (new Coordinates(from.X + ux * NodeRadius, from.Y + uy * NodeRadius), new Coordinates(to.X - ux * NodeRadius, to.Y - uy * NodeRadius));
    }

    private static string Affinity(double? value) => value is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "∞";

    private static string Subscript(int n) =>
        string.Concat(n.ToString(CultureInfo.InvariantCulture).Select(d => (char)('₀' + (d - '0'))));
}
