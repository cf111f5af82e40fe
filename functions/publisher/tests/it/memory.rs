//! The upload's memory bound (review finding P-H3: "chunks read whole into
//! memory"): the one test here that runs publisher code in this process, so
//! the heap it holds can be measured (`testkit::alloc`). A video of six
//! planned chunks streams from the bucket to the stack's sandbox through
//! `upload::send_chunks`, as the publisher sends it; the most the upload held
//! at once must stay under three chunks — a copy of the whole file, or of
//! every chunk read ahead, would be six.

use crate::world::World;

use publisher::config::PublisherConfig;
use publisher::init::{InitPlan, Upload};
use publisher::{upload, Deps};
use shared::config::FunctionConfig;
use shared::emf::Metrics;
use shared::media::ContentType;
use tiktok::{plan_chunks, InboxVideoInitRequest, VideoContentType, VideoSource};

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn the_upload_holds_at_most_two_chunks_of_a_video_at_once() {
    // The counting itself, on a buffer of known size: a figure that did not
    // see this could not see the upload either.
    let (kept, held) = testkit::alloc::measure(async { vec![7u8; 3 * MIB as usize] }).await;
    assert!(held >= 3 * MIB, "the allocator counts what this thread holds: {held}");
    drop(kept);

    let w = World::start().await;
    let (tenant, _) = w.connect("pool_06").await;
    let size = 60 * MIB;
    let plan = plan_chunks(size).expect("plan");
    let chunk = plan.chunk_size();
    assert_eq!(plan.total_chunk_count(), 6, "{plan:?}");
    // The object is written, then its bytes are dropped before measuring.
    let item = w.media(&tenant, ContentType::Mp4, crate::sandbox::video_bytes(size as usize, 6)).await;

    let config = PublisherConfig::from_env().expect("publisher settings: the stack's env");
    let deps = Deps::new(config, &w.aws, Metrics::in_memory("Test", "publisher").0).expect("deps");
    let token = testkit::tiktok::stack_tokens("pool_06").await.access_token;
    let init_plan = InitPlan::InboxVideo {
        request: InboxVideoInitRequest { source_info: VideoSource::file_upload(&plan) },
        upload: Upload { key: item.key.clone(), plan, content_type: VideoContentType::Mp4 },
    };
    let init = publisher::init::call(deps.client(), &token, &init_plan).await.expect("init");
    let url = init.upload_url.clone().expect("upload url");
    let progress = upload::Progress { account: "memory-test", token: &token, publish_id: &init.publish_id };

    let (sent, held) = testkit::alloc::measure(upload::send_chunks(&deps, &init_plan, &url, &progress)).await;
    sent.expect("every chunk taken");
    println!(
        "upload of {} MiB in 6 chunks of {} MiB held at most {:.1} MiB",
        size / MIB,
        chunk / MIB,
        held as f64 / MIB as f64
    );
    assert!(held >= chunk, "a chunk is read into memory to be sent: {held}");
    assert!(held < 3 * chunk, "held {held} bytes at once: more than two chunks of {chunk}");
}
