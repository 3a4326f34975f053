//! GUI frame time: building and painting (tessellating) one frame of the whole app with a
//! generated model of 500 nodes and about 2,000 flows, headless. The goal is 16 ms. Live frames
//! have the pointer moving over the canvas (a still canvas replays its last frame instead of
//! running the graph view; that cost is measured too).

use std::time::{Duration, Instant};

use rampart::editor::Session;
use rampart::model;
use rampart::ui::{RampartApp, Settings};

fn main() {
    let m = model::generate::generate(500, 4);
    eprintln!("model: {} nodes, {} flows", m.node_count(), m.flow_count());
    let mut app = RampartApp::new(Session::new(m, None), Settings::default(), None);
    let ctx = egui::Context::default();
    let moves = std::cell::Cell::new(0u32);
    let input = |moving: bool| {
        let mut input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1600.0, 1000.0),
            )),
            ..Default::default()
        };
        if moving {
            let n = moves.get() + 1;
            moves.set(n);
            let x = 400.0 + (n % 200) as f32 * 3.0;
            input
                .events
                .push(egui::Event::PointerMoved(egui::pos2(x, 380.0)));
        }
        input
    };
    let frame = |app: &mut RampartApp, moving: bool| {
        let output = ctx.run_ui(input(moving), |ui| app.frame(ui));
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let measure = |app: &mut RampartApp, moving: bool, what: &str| {
        let mut times: Vec<Duration> = (0..60)
            .map(|_| {
                let t = Instant::now();
                frame(app, moving);
                t.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{what} (500 nodes, {} flows, 1600x1000): median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
            app.session.model().flow_count(),
            ms(times[times.len() / 2]),
            ms(times[times.len() * 9 / 10]),
            ms(times[times.len() - 1])
        );
    };
    // Warm up: the first frames lay out and fit the view.
    for _ in 0..5 {
        frame(&mut app, true);
    }
    measure(&mut app, true, "frame");
    // Still for more than a second (frames of 1/60 s): the canvas replays its last frame.
    for _ in 0..70 {
        frame(&mut app, false);
    }
    measure(&mut app, false, "still frame (replayed canvas)");
    // A frame right after an edit: the canvas graph is rebuilt and the analysis re-run.
    let mut edit_times = Vec::new();
    for i in 0..10 {
        let id = app
            .session
            .model()
            .nodes()
            .nth(i)
            .map(|n| n.id.clone())
            .unwrap_or_default();
        let t = Instant::now();
        if let Some(mut node) = app.session.model().node(&id).cloned() {
            node.audit_logging = !node.audit_logging;
            let _ = app
                .session
                .apply(rampart::editor::Edit::UpdateNode(Box::new(node)));
        }
        frame(&mut app, true);
        edit_times.push(t.elapsed());
    }
    edit_times.sort();
    println!(
        "frame after an edit (analysis + rebuild): median {:.2} ms, max {:.2} ms",
        ms(edit_times[edit_times.len() / 2]),
        ms(edit_times[edit_times.len() - 1])
    );
}
